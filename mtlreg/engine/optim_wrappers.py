"""Mixed precision that also runs on the CPU."""
from __future__ import annotations

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mtlreg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """Runs forward passes under ``torch.autocast`` on the model's device.

    MMEngine's ``AmpOptimWrapper`` requires a GPU; on the CPU this wrapper
    autocasts to bfloat16, which needs no loss scaling. ``tools/train.py
    --amp`` picks ``AmpOptimWrapper`` on CUDA and this one otherwise.

    Args:
        dtype: ``'bfloat16'`` (default) or ``'float16'``.
    """

    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs):
        super().__init__(*args, **kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f'AutocastOptimWrapper: dtype must be "bfloat16" or "float16", got {dtype!r}')
        self.dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type=device, dtype=self.dtype):
            yield
