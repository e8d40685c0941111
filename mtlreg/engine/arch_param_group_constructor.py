"""The architecture parameters as a parameter group of their own in one optimiser over the whole model."""
from __future__ import annotations

import copy

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mtlreg.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS


def arch_param_groups(model: nn.Module, options: dict,
                      rules: DefaultOptimWrapperConstructor | None = None) -> list[dict]:
    """The parameter groups of one optimiser over ``model``, its ``arch_parameters()`` with ``options``.

    The one place where the architecture parameters get options of their own, for both ways of asking
    for it: ``arch_overrides`` of an :class:`~mtlreg.engine.optim_constructor.ArchitectureOptimWrapperConstructor`
    entry and :class:`ArchitectureParamGroupConstructor`.

    Args:
        model: the (unwrapped) model; it has ``arch_parameters()``, and ``weight_parameters()``
            when ``rules`` is None.
        options: the optimiser options of the architecture parameters (e.g. ``dict(lr=0.01)``); an
            option left out takes the optimiser's own value.
        rules: an MMEngine constructor whose ``paramwise_cfg`` rules (``bias_decay_mult``,
            ``custom_keys``, ...) apply to the weights. None: two groups, the weights and then the
            architecture parameters. Given: a group per parameter as MMEngine makes them, in the
            model's order, an architecture parameter's group with ``options`` instead of the rules.

    Returns:
        The ``params`` argument of the optimiser.
    """
    arch = model.arch_parameters()
    if rules is None:
        return [dict(params=model.weight_parameters()), dict(params=arch, **options)]
    ids = {id(p) for p in arch}
    groups: list[dict] = []
    rules.add_params(groups, model)
    names = {id(p): name for name, p in model.named_parameters()}
    for i, group in enumerate(groups):
        (param,) = group['params']
        if id(param) in ids:
            groups[i] = dict(params=group['params'], **options)
            for key, value in options.items():
                print_log(f'paramwise_options -- {names[id(param)]}:{key}={value}', logger='current')
    return groups


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
    ``custom_keys``, ...) applies to the weights as usual; every parameter has a
    group of its own (MMEngine's paramwise layout). The groups are made by
    :func:`arch_param_groups`.

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

    def arch_options(self, model: nn.Module) -> dict:
        """The options of the architecture parameters: the multipliers applied to the optimiser's own."""
        mult = len(model.task_names) if self.arch_lr_mult == 'num_tasks' else float(self.arch_lr_mult)
        options = dict(lr=self.base_lr * mult)
        if self.base_wd is not None:
            options['weight_decay'] = self.base_wd * self.arch_decay_mult
        return dict(options, lr_mult=mult, decay_mult=self.arch_decay_mult)

    def __call__(self, model: nn.Module):
        inner = getattr(model, 'module', model)
        if not callable(getattr(inner, 'arch_parameters', None)):
            raise TypeError(f'ArchitectureParamGroupConstructor: {type(inner).__name__} has no arch_parameters()')
        params = arch_param_groups(inner, self.arch_options(inner), rules=self)
        optimizer = OPTIMIZERS.build(dict(self.optimizer_cfg, params=params))
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))
