"""Which policy can drive which backbone, from what each declares; checked when a model is built.

A backbone declares ``unit_kind`` (``'blocks'``, ``'components'``, ``'links'``; a task-conditioned
backbone has no units to gate) and whether it can skip every unit (``units_always_skippable``,
``skippable_units()``); a policy declares the unit kinds it ``drives``, whether it ``gates_units`` at
all and whether its search ``skips_units``. A new backbone or policy declares these and is checked
like every other: nothing here names a method.
"""
from __future__ import annotations

import torch

from mtlreg.registry import BACKBONES, POLICIES
from mtlreg.utils.errors import ConfigError

DOC = 'docs/methods/README.md#which-policy-drives-which-backbone'


def _task_conditioned(backbone_cls) -> bool:
    return bool(getattr(backbone_cls, 'task_conditioned', False))


def drives(policy_cls, backbone_cls) -> bool:
    """Whether ``policy_cls`` can drive ``backbone_cls`` (from their declarations)."""
    if _task_conditioned(backbone_cls):
        return not policy_cls.gates_units
    if policy_cls.drives is not None and backbone_cls.unit_kind not in policy_cls.drives:
        return False
    return not policy_cls.skips_units or backbone_cls.units_always_skippable


def compatible_backbones(policy_cls) -> list[str]:
    """The registered backbones the policy can drive."""
    return sorted(name for name, cls in BACKBONES.module_dict.items() if drives(policy_cls, cls))


def check_policy_for_backbone(policy_cls, backbone) -> None:
    """Refuse, before anything trains, a policy that cannot drive the built ``backbone``."""
    backbone_cls = type(backbone)
    name, policy = backbone_cls.__name__, policy_cls.__name__
    works = ', '.join(compatible_backbones(policy_cls)) or 'none registered'
    if _task_conditioned(backbone_cls):
        if policy_cls.gates_units:
            raise ConfigError(f'{policy} gates units, but {name} computes every task\'s features itself and takes '
                              'no gates', where='model.policy', expected=f'SharedBottomPolicy with {name}, or one of '
                              f'the backbones {policy} drives: {works}', doc=DOC)
        return
    if policy_cls.drives is not None and backbone_cls.unit_kind not in policy_cls.drives:
        raise ConfigError(f'{policy} drives backbones of {"/".join(policy_cls.drives)}, but {name} is made of '
                          f'{backbone_cls.unit_kind}', where='model.policy', expected=f'a backbone {policy} drives: '
                          f'{works}', doc=DOC)
    if policy_cls.skips_units:
        fixed = backbone.skippable_units().flatten() | ~backbone.valid_units().flatten()
        if not bool(fixed.all()):
            raise ConfigError(f'{policy} may skip any unit, but {name} cannot skip units '
                              f'{torch.nonzero(~fixed).flatten().tolist()} (they change the channel count)',
                              where='model.backbone', expected=f'a backbone whose every unit can be skipped: {works}',
                              doc=DOC)


def check_mask_skips(mask: torch.Tensor, backbone, task_names) -> None:
    """Refuse a fixed mask that switches off a unit the backbone cannot skip."""
    skippable = backbone.skippable_units() | ~backbone.valid_units()
    bad = (~mask.bool()) & ~skippable
    for k, task in enumerate(task_names):
        units = torch.nonzero(bad[k].flatten()).flatten().tolist()
        if units:
            raise ConfigError(f'switches off units {units} for task {task!r}, but {type(backbone).__name__} cannot '
                              'skip them (they change the channel count)', where='model.policy.mask',
                              expected='1 for those units', doc=DOC)


def compatibility_table(include_plugins: bool = False) -> list[str]:
    """Markdown: every registered policy × every registered backbone (✓ drives, – does not).

    Only mtlreg's own modules unless ``include_plugins``: the table of the docs must not depend on which
    plugin packages are installed.
    """
    def members(registry):
        return {name: cls for name, cls in registry.module_dict.items()
                if include_plugins or cls.__module__.startswith('mtlreg.')}
    backbones, policies = members(BACKBONES), members(POLICIES)
    names = sorted(backbones)
    lines = ['| policy | ' + ' | '.join(f'`{b}`' for b in names) + ' |',
             '|---|' + '---|' * len(names)]
    for name, policy_cls in sorted(policies.items()):
        cells = ['✓' if drives(policy_cls, backbones[b]) else '–' for b in names]
        lines.append(f'| `{name}` | ' + ' | '.join(cells) + ' |')
    return lines
