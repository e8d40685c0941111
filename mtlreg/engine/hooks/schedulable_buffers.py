"""The policy buffers that schedule hooks drive (temperature, curriculum): where they start, how they are set."""
from __future__ import annotations

import torch

from mtlreg.utils.errors import ConfigError
from .hook_utils import model_submodule


def schedulable_start(runner, hook, module: str, name: str) -> float | int:
    """The initial value model.<module> declares for its schedulable buffer ``name`` (``BasePolicy.schedulable``).

    A hook that targets a name the policy does not declare is refused before training, naming both.
    """
    target = model_submodule(runner, module)
    declared = getattr(target, 'schedulable', None) or {}
    if name not in declared:
        hook_name = type(hook).__name__
        what = f'declares only {sorted(declared)}' if declared else 'declares nothing schedulable'
        raise ConfigError(f'schedules {name!r} of model.{module}, but {type(target).__name__} {what}',
                          where=hook_name, expected=f'a policy that declares {name!r} (register_schedulable), or no '
                          f'{hook_name} (remove it from named_hooks by setting it to None)')
    return declared[name]


def set_buffer(target, name: str, value) -> None:
    buffer = getattr(target, name, None)
    if not torch.is_tensor(buffer):
        raise AttributeError(f'{type(target).__name__} has no buffer {name!r} to schedule')
    buffer.fill_(value)
