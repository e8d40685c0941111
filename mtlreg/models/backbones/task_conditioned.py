"""The interface of backbones that compute task-specific features themselves (MTAN, cross-stitch)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES


class TaskConditionedBackbone(nn.Module):
    """A backbone whose forward returns one feature map per task.

    Architectures such as MTAN (task attention over a shared trunk) or
    cross-stitch networks (one network per task, mixed between stages) build
    each task's features inside the backbone. The model builds such a backbone
    with the task names and calls ``forward(x, tasks) -> {task: features}``
    once for all tasks; they take no gates (use ``SharedBottomPolicy``).

    Subclasses set ``out_channels`` and ``output_stride`` and implement
    ``forward``, ``shared_parameters()`` (what every task's loss reaches, for
    gradient-level balancers), ``task_parameter_count(task)`` (the parameters
    on a task's path) and ``single_task_parameter_count()`` (one single-task
    network of the same kind, the reference of the papers' parameter ratios).
    """

    #: read by the model: build with ``task_names`` and call once for all tasks
    task_conditioned = True
    unit_grid: tuple[int, ...] = ()
    out_channels: int = 0
    output_stride: int = 1

    def __init__(self, task_names: Sequence[str]):
        super().__init__()
        if not task_names:
            raise ValueError(f'{type(self).__name__}: needs at least one task')
        self.task_names = list(task_names)

    def unit_names(self) -> list[str]:
        return []

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def task_features(self, x: torch.Tensor, tasks: Sequence[str], policy, compact: bool = True
                      ) -> dict[str, torch.Tensor]:
        """Every task's features in one call; the policy must give no gates (``SharedBottomPolicy``)."""
        gated = [t for t in tasks if policy.gates(t) is not None]
        if gated:
            raise ValueError(f'{type(self).__name__} computes task features itself and takes no gates, '
                             f'but the policy gives tasks {gated} gates; use SharedBottomPolicy')
        return self(x, tasks=tasks)

    def regularizers(self) -> dict[str, torch.Tensor]:
        """Terms the backbone adds to the objective, from its latest training forward pass (none by default)."""
        return {}

    def parameter_counts(self, policy, task_names: Sequence[str]) -> dict:
        """Backbone parameters: ``total``, ``tasks`` (on each task's path), ``single_task`` (K single-task networks)."""
        return {'total': count([self]), 'tasks': {t: self.task_parameter_count(t) for t in task_names},
                'single_task': len(task_names) * self.single_task_parameter_count()}

    def shared_parameters(self) -> list[nn.Parameter]:
        raise NotImplementedError

    def task_parameter_count(self, task: str) -> int:
        raise NotImplementedError

    def single_task_parameter_count(self) -> int:
        raise NotImplementedError

    def check_tasks(self, tasks: Sequence[str] | None) -> list[str]:
        tasks = self.task_names if tasks is None else list(tasks)
        unknown = [t for t in tasks if t not in self.task_names]
        if unknown:
            raise KeyError(f'{type(self).__name__}: unknown tasks {unknown}; it was built for {self.task_names}')
        return tasks


def is_task_conditioned(cfg: dict) -> bool:
    """Whether a backbone config's ``type`` (a registered name or a class) computes every task's features itself."""
    kind = cfg.get('type') if isinstance(cfg, dict) else None
    cls = kind if isinstance(kind, type) else BACKBONES.get(kind) if kind else None
    return bool(getattr(cls, 'task_conditioned', False))


def count(modules) -> int:
    """Parameters of some modules (each counted once)."""
    seen = {}
    for module in modules:
        for p in module.parameters():
            seen[id(p)] = p.numel()
    return sum(seen.values())
