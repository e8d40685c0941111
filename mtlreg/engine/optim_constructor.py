"""One optimiser wrapper per parameter group: the weights and the architecture parameters."""
from __future__ import annotations

import copy

from mmengine.optim import OptimWrapperDict
from torch import nn

from mtlreg.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

from .arch_param_group_constructor import arch_param_groups

#: The parameter groups an entry may select.
PARAMETER_GROUPS = ('weights', 'arch', 'all')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ArchitectureOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` of named wrappers over the weights or the architecture parameters.

    Learned-sharing methods optimise the network weights and the architecture
    parameters (policy logits) with different optimisers, often alternately on
    different data (AdaShare, Sec. 3.4; DARTS-style bi-level search). Each
    entry of the config is an optimiser-wrapper config with an optional
    ``params`` key: ``'weights'`` (every parameter that is not an architecture
    parameter, the default), ``'arch'`` (the model's ``arch_parameters()``; the
    default for an entry named ``arch``) or ``'all'``. Several entries may cover
    the same group (e.g. separate optimisers for warm-up and re-training);
    :class:`~mtlreg.engine.staged_train_loop.StagedTrainLoop` steps one of them at a time.
    An entry over ``'all'`` may give ``arch_overrides`` (e.g. ``dict(lr=0.01)``):
    the architecture parameters then form a second parameter group of the same
    optimiser with those options, for methods that train weights and
    architecture together with separate learning rates (Choi & Im, Table 9);
    the groups are made by :func:`~mtlreg.engine.arch_param_group_constructor.arch_param_groups`,
    as those of :class:`~mtlreg.engine.arch_param_group_constructor.ArchitectureParamGroupConstructor`.
    An entry may give ``lr_mult``, a dict from a parameter-name prefix (as
    ``model.named_parameters()`` names them, e.g. ``'backbone'``) to a factor
    of the learning rate: the parameters under each prefix form a group with
    ``lr × factor`` (e.g. a pretrained backbone at a hundredth of the heads'
    rate, as AdaShare's DomainNet configuration trains it).

    Example::

        optim_wrapper = dict(
            constructor='ArchitectureOptimWrapperConstructor',
            weights=dict(optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4)),
            arch=dict(optimizer=dict(type='Adam', lr=0.01, weight_decay=5e-4)))

    The model must provide ``arch_parameters()`` and ``weight_parameters()``
    (``MultiTaskModel`` does).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None):
        if paramwise_cfg:
            raise ValueError('ArchitectureOptimWrapperConstructor: paramwise_cfg is not supported; '
                             'give each entry its own optimizer settings')
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise ValueError('optim_wrapper: ArchitectureOptimWrapperConstructor expects named entries, '
                             "e.g. weights=dict(optimizer=...), arch=dict(optimizer=...)")
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(f'optim_wrapper.{name}: expected a dict with an "optimizer" key, got {cfg!r}')
            group = cfg.get('params', 'arch' if name == 'arch' else 'weights')
            if group not in PARAMETER_GROUPS:
                raise ValueError(f'optim_wrapper.{name}.params: expected one of {PARAMETER_GROUPS}, got {group!r}')
            if 'arch_overrides' in cfg and (group != 'all' or not isinstance(cfg['arch_overrides'], dict)):
                raise ValueError(f"optim_wrapper.{name}.arch_overrides: needs params='all' and a dict of optimiser "
                                 f"options, got params={group!r}, arch_overrides={cfg['arch_overrides']!r}")
            mults = cfg.get('lr_mult')
            if mults is not None and (not isinstance(mults, dict) or 'arch_overrides' in cfg or not all(
                    isinstance(k, str) and k and isinstance(v, (int, float)) and v > 0 for k, v in mults.items())):
                raise ValueError(f'optim_wrapper.{name}.lr_mult: expected a dict of parameter-name prefix -> '
                                 f'positive factor (and no arch_overrides), got {mults!r}')
        self.optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)
        for method in ('arch_parameters', 'weight_parameters'):
            if not callable(getattr(model, method, None)):
                raise TypeError(f'ArchitectureOptimWrapperConstructor: {type(model).__name__} has no {method}()')
        groups = {'weights': model.weight_parameters(), 'arch': model.arch_parameters(),
                  'all': list(model.parameters())}
        wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            cfg = copy.deepcopy(cfg)
            params = groups[cfg.pop('params', 'arch' if name == 'arch' else 'weights')]
            if not params:
                raise ValueError(f'optim_wrapper.{name}: the model has no parameters in this group '
                                 '(a policy without architecture parameters cannot be searched)')
            overrides = cfg.pop('arch_overrides', None)
            if overrides is not None:
                params = arch_param_groups(model, overrides)
            optimizer_cfg = cfg.pop('optimizer')
            mults = cfg.pop('lr_mult', None)
            if mults:
                params = lr_mult_groups(model, params, mults, optimizer_cfg.get('lr'), f'optim_wrapper.{name}')
            optimizer = OPTIMIZERS.build(dict(optimizer_cfg, params=params))
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = OPTIM_WRAPPERS.build(cfg, default_args=dict(optimizer=optimizer))
        return OptimWrapperDict(**wrappers)


def lr_mult_groups(model: nn.Module, params: list, mults: dict, lr: float | None, key: str) -> list[dict]:
    """Splits ``params`` into one group per name prefix of ``mults`` (at ``lr × factor``) and one for the rest.

    Raises:
        ValueError: If the optimiser has no ``lr``, or a prefix matches no parameter of the group.
    """
    if lr is None:
        raise ValueError(f'{key}.lr_mult: the optimizer needs an lr to scale')
    names = {id(p): name for name, p in model.named_parameters()}
    groups = {prefix: [] for prefix in mults}
    rest = []
    for param in params:
        name = names.get(id(param), '')
        prefix = next((k for k in mults if name == k or name.startswith(k + '.')), None)
        (groups[prefix] if prefix is not None else rest).append(param)
    empty = [prefix for prefix, members in groups.items() if not members]
    if empty:
        raise ValueError(f'{key}.lr_mult: no parameter of this entry is named under {empty}; the model\'s top-level '
                         f'modules are {sorted({n.split(".")[0] for n in names.values()})}')
    out = [dict(params=members, lr=lr * mults[prefix]) for prefix, members in groups.items()]
    return out + ([dict(params=rest)] if rest else [])
