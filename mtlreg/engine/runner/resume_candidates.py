"""Which checkpoints of a work dir ``--resume auto`` tries, newest first, and the clean-up before it."""
from __future__ import annotations

import glob
import os
import os.path as osp
import re

from mtlreg.utils.atomic_io import PARTIAL_SUFFIX

LAST_CHECKPOINT = 'last_checkpoint'
_STEP = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def inside(path: str, directory: str) -> bool:
    """Whether ``path`` resolves to a file below ``directory``."""
    return osp.realpath(path).startswith(osp.realpath(directory) + os.sep)


def stale_partial_files(work_dir: str) -> list[str]:
    """Temporary files of writes that never finished (a kill mid-save), directly in ``work_dir``."""
    return sorted(p for p in glob.glob(osp.join(work_dir, '.*')) if PARTIAL_SUFFIX in osp.basename(p)
                  and osp.isfile(p))


def resume_candidates(work_dir: str) -> tuple[list[str], list[str]]:
    """``(checkpoints to try newest first, notes)`` for resuming the run in ``work_dir``.

    Every ``iter_<n>.pth`` / ``epoch_<n>.pth`` of the work dir by decreasing ``n`` (a checkpoint is
    complete once it has its name, so the highest ``n`` is the newest, also when a kill came
    before ``last_checkpoint`` was updated); a file of another name that ``last_checkpoint`` names
    inside the work dir comes first. ``notes`` say why ``last_checkpoint`` was passed over (empty,
    missing file, outside the work dir).
    """
    pointer = osp.join(work_dir, LAST_CHECKPOINT)
    named, notes, candidates = _read_pointer(pointer), [], []
    if named is False:
        notes.append(f'{pointer} cannot be read as text')
    elif named == '':
        notes.append(f'{pointer} is empty')
    elif named is not None and not inside(named, work_dir):
        notes.append(f'{pointer} names {named!r}, which lies outside the work dir: ignored')
    elif named is not None and not osp.isfile(named):
        notes.append(f'{pointer} names {named!r}, which does not exist')
    elif named is not None and not _STEP.match(osp.basename(named)):  # step files come from the scan below
        candidates.append(osp.realpath(named))
    steps = sorted(((int(m.group(1)), osp.realpath(p)) for p in glob.glob(osp.join(work_dir, '*.pth'))
                    if (m := _STEP.match(osp.basename(p)))), reverse=True)
    return candidates + [path for _, path in steps if path not in candidates], notes


def _read_pointer(path: str) -> str | bool | None:
    """The path ``last_checkpoint`` names (stripped), None without the file, False if it is not text."""
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError):
        return False
