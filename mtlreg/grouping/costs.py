"""Inference cost of the candidate networks, in units of one single-task network."""
from __future__ import annotations

import statistics
from collections.abc import Sequence

from mmengine.config import Config

from .candidates import Group, group_name
from .sweep import GroupingSettings, candidate_config


def candidate_costs(cfg: Config, tasks: Sequence[str], groups: Sequence[Group], settings: GroupingSettings
                    ) -> tuple[dict[Group, float], dict[Group, int]]:
    """Each group's cost and (for ``cost.type='flops'``) its FLOPs for one multi-task forward.

    ``'flops'`` builds every candidate model (untrained: its cost does not depend
    on the weights) and counts one sample's forward of all its tasks with
    PyTorch's ``FlopCounterMode``; a cost of 1 is the mean of the single-task
    networks. ``'per_order'`` takes ``cost.values[group size]``.

    Raises:
        KeyError: if ``cost.values`` has no entry for a group size.
    """
    if settings.cost['type'] == 'per_order':
        values = {int(k): float(v) for k, v in settings.cost['values'].items()}
        missing = sorted({len(g) for g in groups} - set(values))
        if missing:
            raise KeyError(f'task_grouping.cost.values: no cost for groups of {missing} tasks')
        return {g: values[len(g)] for g in groups}, {}
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.models.complexity import multitask_flops
    from mtlreg.registry import MODELS

    shape = tuple(int(v) for v in settings.cost['input_shape'])
    singles = [(t,) for t in tasks]
    flops = {}
    for group in dict.fromkeys(list(singles) + list(groups)):
        model_cfg = resolve_task_config(candidate_config(cfg, group, settings)).model
        try:
            model = MODELS.build(model_cfg)
        except Exception as error:
            raise RuntimeError(f'task grouping: cannot build the network of {group_name(group)}: {error}') from error
        flops[group] = multitask_flops(model, shape)
    unit = statistics.fmean(flops[s] for s in singles)
    return {g: flops[g] / unit for g in groups}, {g: flops[g] for g in groups}
