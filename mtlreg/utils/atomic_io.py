"""Write files so that a crash or a kill never leaves a half-written one in place.

Every writer goes to a temporary file in the target's directory, flushes it to disk, renames it over
the target (``os.replace`` is atomic on POSIX and Windows) and flushes the directory entry, so the
target is always either the old file or the complete new one.
"""
from __future__ import annotations

import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import Iterator

from .crash_points import crash_point

PARTIAL_SUFFIX = '.partial'


def fsync_dir(directory: str) -> None:
    """Flush a directory's entries (a rename) to disk; a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory or '.', os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str, crash_points: str | None = None) -> Iterator[str]:
    """A temporary path for writers that take a file name (savefig, ONNX): renamed to ``path`` at the end.

    The temporary file is ``.<name>.<random>.partial<ext>`` beside ``path``; it is removed when the
    block raises. ``crash_points='x'`` adds the crash points ``x_written`` (flushed, not yet renamed)
    and ``x_renamed`` (:mod:`mtlreg.utils.crash_points`).
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    stem, ext = osp.splitext(osp.basename(path))
    fd, partial = tempfile.mkstemp(prefix=f'.{stem}.', suffix=f'{PARTIAL_SUFFIX}{ext}', dir=directory)
    os.close(fd)
    os.chmod(partial, 0o666 & ~_umask())  # the permissions a plain open() would give, not mkstemp's 0600
    try:
        yield partial
        with open(partial, 'rb+') as f:
            os.fsync(f.fileno())
        if crash_points:
            crash_point(f'{crash_points}_written')
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
    fsync_dir(directory)
    if crash_points:
        crash_point(f'{crash_points}_renamed')


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w', crash_points: str | None = None) -> Iterator:
    """``with atomic_write(path) as f: f.write(...)``: ``path`` appears complete or not at all."""
    with atomic_path(path, crash_points) as partial, open(partial, mode) as f:
        yield f


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_write(path) as f:
        f.write(text)


def write_json_atomic(path: str, obj) -> None:
    """Dump ``obj`` as indented JSON to ``path`` atomically."""
    with atomic_write(path) as f:
        json.dump(obj, f, indent=2)


def torch_save_atomic(obj, path: str) -> None:
    """``torch.save(obj, path)`` atomically."""
    import torch
    with atomic_write(path, 'wb') as f:
        torch.save(obj, f)
