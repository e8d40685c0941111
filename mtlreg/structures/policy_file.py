"""A discrete sharing policy on disk: the JSON a search writes and a fixed policy reads."""
from __future__ import annotations

import json
import os.path as osp
from typing import Sequence

import numpy as np

from mtlreg.utils.atomic_io import write_json_atomic


def save_policy(path: str, task_names: Sequence[str], mask, probabilities=None, unit_names=None,
                **extra) -> None:
    """Write a discrete policy (and the probabilities it came from) as JSON, atomically.

    The file is ``{"tasks": [...], "units": [...], "mask": {task: nested 0/1},
    "probabilities": {task: nested floats}, ...extra}``;
    ``FixedMaskPolicy(mask_file=path)`` reads it back.
    """
    mask = np.asarray(mask).astype(int)
    record = {'tasks': list(task_names), 'units': list(unit_names) if unit_names is not None else None,
              'mask': {t: mask[k].tolist() for k, t in enumerate(task_names)}}
    if probabilities is not None:
        probabilities = np.asarray(probabilities, dtype=np.float64)
        record['probabilities'] = {t: np.round(probabilities[k], 6).tolist() for k, t in enumerate(task_names)}
    record.update(extra)
    write_json_atomic(path, record)


def load_policy_mask(path: str) -> dict:
    """Read the ``mask`` of a policy JSON written by :func:`save_policy`: ``{task: nested 0/1}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'policy file not found: {path!r} (expected a JSON written by save_policy, '
                                'e.g. <work_dir>/policy/policy_sample0.json)')
    with open(path) as f:
        record = json.load(f)
    if not isinstance(record, dict) or not isinstance(record.get('mask'), dict):
        raise ValueError(f'policy file {path!r}: expected a JSON object with a "mask" dict {{task: 0/1 list}}')
    return record['mask']
