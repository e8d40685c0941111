"""Checkpoints as tensors and plain containers, so that they load with ``torch.load(weights_only=True)``.

MMEngine's checkpoint holds NumPy arrays and scalars and ``HistoryBuffer`` objects (the message hub's
logged scalars); unpickling those needs globals that ``weights_only`` loading refuses (NumPy's
reconstruction goes through ``builtins.getattr``). :func:`encode` replaces them with tagged dicts of
tensors and Python numbers before saving; :func:`decode` restores them after loading.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_ARRAY = '__ndarray__'
_HISTORY = '__history_buffer__'


def encode(obj):
    """``obj`` with every NumPy array, NumPy scalar and ``HistoryBuffer`` in a plain form."""
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {_HISTORY: {'log': encode(log), 'count': encode(count), 'max_length': int(obj.max_length)}}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError('checkpoint: a NumPy array of Python objects cannot be stored as tensors')
        return {_ARRAY: torch.from_numpy(np.ascontiguousarray(obj).copy())}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, encode(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(encode(v) for v in obj)
    return obj


def decode(obj):
    """Invert :func:`encode`."""
    if isinstance(obj, dict):
        if set(obj) == {_ARRAY}:
            return obj[_ARRAY].numpy()
        if set(obj) == {_HISTORY}:
            fields = obj[_HISTORY]
            return HistoryBuffer(decode(fields['log']), decode(fields['count']), fields['max_length'])
        items = ((k, decode(v)) for k, v in obj.items())
        return OrderedDict(items) if isinstance(obj, OrderedDict) else dict(items)
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(decode(v) for v in obj)
    return obj
