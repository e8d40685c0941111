"""One optimiser over weights and architecture parameters, the latter with their own learning rate."""
from __future__ import annotations

import copy

from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mtlreg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ArchitectureParamGroupConstructor(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor, with the model's ``arch_parameters()`` in a group of their own.

    For methods that update weights and architecture parameters in the same
    step with one optimiser. The architecture parameters get
    ``lr × arch_lr_mult`` and ``weight_decay × arch_decay_mult``;
    ``arch_lr_mult='num_tasks'`` scales by the number of tasks: Maziarz et
    al. (Sec. V-B) update a task's allocation logits once every T steps (one
    batch per task per round) and so give them T times the weights' learning
    rate. Everything else of ``paramwise_cfg`` (``bias_decay_mult``,
    ``custom_keys``, ...) applies as usual.

    Args:
        optim_wrapper_cfg: the ``optim_wrapper`` config.
        paramwise_cfg: MMEngine's paramwise options, plus ``arch_lr_mult``
            (a number or ``'num_tasks'``; default ``'num_tasks'``) and
            ``arch_decay_mult`` (default 0: no weight decay on the logits,
            as in the public Gumbel-Matrix code).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None):
        paramwise_cfg = copy.deepcopy(dict(paramwise_cfg or {}))
        self.arch_lr_mult = paramwise_cfg.pop('arch_lr_mult', 'num_tasks')
        self.arch_decay_mult = paramwise_cfg.pop('arch_decay_mult', 0.0)
        if self.arch_lr_mult != 'num_tasks' and not (isinstance(self.arch_lr_mult, (int, float))
                                                      and self.arch_lr_mult > 0):
            raise ValueError("optim_wrapper.paramwise_cfg.arch_lr_mult: expected a positive number or 'num_tasks', "
                             f'got {self.arch_lr_mult!r}')
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, model: nn.Module):
        inner = getattr(model, 'module', model)
        if not callable(getattr(inner, 'arch_parameters', None)):
            raise TypeError(f'ArchitectureParamGroupConstructor: {type(inner).__name__} has no arch_parameters()')
        mult = len(inner.task_names) if self.arch_lr_mult == 'num_tasks' else float(self.arch_lr_mult)
        arch = {id(p) for p in inner.arch_parameters()}
        prefix = 'module.' if inner is not model else ''
        keys = dict(self.paramwise_cfg.get('custom_keys', {}))
        for name, param in inner.named_parameters():
            if id(param) in arch:  # custom_keys match by substring; full names are unique
                keys[prefix + name] = dict(lr_mult=mult, decay_mult=self.arch_decay_mult)
        self.paramwise_cfg = dict(self.paramwise_cfg, custom_keys=keys)
        return super().__call__(model)
