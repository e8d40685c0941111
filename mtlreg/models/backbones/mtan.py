"""Multi-Task Attention Network on a dilated ResNet (Liu, Johns & Davison, CVPR 2019)."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import BACKBONES
from .resnet import DilatedResNet
from .task_conditioned import TaskConditionedBackbone, count


def attention_module(in_channels: int, mid_channels: int, out_channels: int) -> nn.Sequential:
    """``sigmoid(BN(conv1×1(ReLU(BN(conv1×1(x))))))``: a task's soft mask over a stage's features (Sec. 3.2)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, mid_channels, 1, bias=False), nn.BatchNorm2d(mid_channels), nn.ReLU(inplace=True),
        nn.Conv2d(mid_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.Sigmoid())


def shared_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """The 3×3 conv + BN + ReLU that carries attended features to the next attention stage (``f`` of Fig. 2)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@BACKBONES.register_module()
class MTANResNet(TaskConditionedBackbone):
    """A shared dilated ResNet trunk and, per task, one attention module per stage.

    Liu et al., Sec. 3.2, on a ResNet as in their ResNet experiments: for task
    k and stage j with first-block features ``u_j`` and last-block features
    ``p_j``, the mask is ``a_j = att_j^k([u_j, f_j(â_{j−1})])`` (``[u_1]`` alone
    at the first stage) and the attended features ``â_j = a_j ⊙ p_j``. ``f_j``
    is a 3×3 conv + BN + ReLU shared by all tasks, mapping stage j−1's channels
    to stage j's, followed by max pooling to stage j's resolution where it is lower. An
    attention module maps ``2C_j → C_j → C_j`` (``C_1 → C_1 → C_1`` at the first
    stage). A task's feature is ``â`` of the last stage. The trunk runs once
    per batch for all tasks.

    Args:
        task_names: the tasks (given by the model).
        **resnet: arguments of :class:`DilatedResNet` (depth, output_stride,
            width_multiplier, in_channels, pretrained).
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(width_multiplier=0.125)

    def __init__(self, task_names: Sequence[str], **resnet):
        super().__init__(task_names)
        self.trunk = DilatedResNet(**resnet)
        widths = self.trunk.stage_channels
        self.attention = nn.ModuleDict({t: nn.ModuleList(
            [attention_module(widths[0], widths[0], widths[0])]
            + [attention_module(2 * c, c, c) for c in widths[1:]]) for t in self.task_names})
        self.carry = nn.ModuleList(shared_conv(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.out_channels = widths[-1]
        self.output_stride = self.trunk.output_stride

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = self.check_tasks(tasks)
        x = self.trunk.stem(x)
        firsts, lasts = [], []
        for blocks in self.trunk.stage_blocks:
            for i in blocks:
                x = self.trunk.blocks[i](x)
                if i == blocks[0]:
                    firsts.append(x)
            lasts.append(x)
        features = {}
        for task in tasks:
            attended = None
            for j, (u, p, att) in enumerate(zip(firsts, lasts, self.attention[task])):
                if attended is None:
                    mask = att(u)
                else:
                    carried = self.carry[j - 1](attended)
                    if carried.shape[-2:] != u.shape[-2:]:  # the stage halved the resolution: max-pool to it
                        carried = F.adaptive_max_pool2d(carried, u.shape[-2:])
                    mask = att(torch.cat([u, carried], dim=1))
                attended = mask * p
            features[task] = attended
        return features

    def shared_parameters(self) -> list[nn.Parameter]:
        return [*self.trunk.parameters(), *self.carry.parameters()]

    def task_parameter_count(self, task: str) -> int:
        return count([self.trunk, self.carry, self.attention[task]])

    def single_task_parameter_count(self) -> int:
        return count([self.trunk])
