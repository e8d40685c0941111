"""Cross-stitch networks (Misra, Shrivastava, Gupta & Hebert, CVPR 2016) of dilated ResNets."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from .resnet import DilatedResNet
from .task_conditioned import TaskConditionedBackbone, count


class CrossStitchUnit(nn.Module):
    """``x̃_k = Σ_i α_ki x_i`` over the tasks' feature maps (Eq. 1), per channel with ``per_channel``.

    ``α`` starts at ``init_self`` on the diagonal and ``(1 − init_self) / (K − 1)``
    elsewhere (Misra et al. start near the identity, e.g. 0.9 / 0.1).
    """

    def __init__(self, num_tasks: int, channels: int, init_self: float = 0.9, per_channel: bool = False):
        super().__init__()
        other = (1.0 - init_self) / (num_tasks - 1) if num_tasks > 1 else 0.0
        alpha = torch.full((num_tasks, num_tasks), other)
        alpha.fill_diagonal_(init_self if num_tasks > 1 else 1.0)
        if per_channel:
            alpha = alpha[:, :, None].repeat(1, 1, channels)
        self.alpha = nn.Parameter(alpha)

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        stacked = torch.stack(features)  # [K, N, C, H, W]
        alpha = self.alpha if self.alpha.dim() == 3 else self.alpha[:, :, None]
        mixed = torch.einsum('kic,inchw->knchw', alpha.expand(-1, -1, stacked.shape[2]), stacked)
        return list(mixed.unbind(0))


@BACKBONES.register_module()
class CrossStitchResNet(TaskConditionedBackbone):
    """One dilated ResNet per task, their features mixed by a cross-stitch unit after every stage.

    Misra et al. place cross-stitch units after the pooling layers of each
    network; here after each ResNet stage. Every task's features depend on
    every network, so the whole network runs for any task.

    Args:
        task_names: the tasks (given by the model).
        init_self: initial weight of a task's own features. Defaults to 0.9.
        per_channel: one α matrix per channel. Defaults to False.
        **resnet: arguments of :class:`DilatedResNet`.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(width_multiplier=0.125)

    def __init__(self, task_names: Sequence[str], init_self: float = 0.9, per_channel: bool = False, **resnet):
        super().__init__(task_names)
        if not 0.0 <= init_self <= 1.0:
            raise ValueError(f'CrossStitchResNet: init_self must lie in [0, 1], got {init_self}')
        self.nets = nn.ModuleDict({t: DilatedResNet(**resnet) for t in self.task_names})
        reference = self.nets[self.task_names[0]]
        self.stitches = nn.ModuleList(CrossStitchUnit(len(self.task_names), c, init_self, per_channel)
                                      for c in reference.stage_channels)
        self.out_channels = reference.out_channels
        self.output_stride = reference.output_stride

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = self.check_tasks(tasks)
        nets = [self.nets[t] for t in self.task_names]
        features = [net.stem(x) for net in nets]
        for blocks, stitch in zip(nets[0].stage_blocks, self.stitches):
            for i in blocks:
                features = [net.blocks[i](f) for net, f in zip(nets, features)]
            features = stitch(features)
        return {t: features[self.task_names.index(t)] for t in tasks}

    def shared_parameters(self) -> list[nn.Parameter]:
        return list(self.parameters())  # every task's loss reaches every network through the units

    def task_parameter_count(self, task: str) -> int:
        return count([self])

    def single_task_parameter_count(self) -> int:
        return count([self.nets[self.task_names[0]]])
