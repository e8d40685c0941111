"""One backbone per task: the single-task baseline, trained side by side and sharing nothing."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.utils.errors import ConfigError
from .task_conditioned import TaskConditionedBackbone, count, is_task_conditioned


@BACKBONES.register_module()
class PerTaskBackbone(TaskConditionedBackbone):
    """K copies of a backbone, one per task; each task's features come from its own copy.

    The single-task networks of the learned-sharing papers' references (and of Δ_T's single-task
    metrics), trained jointly in one run. Nothing is shared, so gradient-level balancers have no shared
    parameters to combine, and the parameter ratio to K single-task networks is exactly 1.

    Args:
        task_names: the tasks (given by the model).
        backbone: config of the backbone every task gets a copy of (a gated backbone, run with all
            units on).
    """

    #: small arguments that build a working instance (the registry tests build every backbone with them)
    example_args = dict(backbone=dict(type='DilatedResNet', width_multiplier=0.125))

    def __init__(self, task_names: Sequence[str], backbone: dict):
        super().__init__(task_names)
        if is_task_conditioned(backbone):
            kind = backbone['type']
            raise ConfigError(f'{getattr(kind, "__name__", kind)} computes every task\'s features itself; one copy per task '
                              'makes no sense', where='model.backbone.backbone',
                              expected='a backbone with one output (e.g. DilatedResNet)')
        self.backbones = nn.ModuleDict({t: BACKBONES.build(backbone) for t in self.task_names})
        first = self.backbones[self.task_names[0]]
        self.out_channels, self.output_stride = first.out_channels, first.output_stride

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        return {t: self.backbones[t](x) for t in self.check_tasks(tasks)}

    def shared_parameters(self) -> list[nn.Parameter]:
        return []

    def task_parameter_count(self, task: str) -> int:
        return count([self.backbones[task]])

    def single_task_parameter_count(self) -> int:
        return count([self.backbones[self.task_names[0]]])
