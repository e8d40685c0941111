"""No head: the backbone's output is the task's prediction."""
from __future__ import annotations

import torch
from torch import nn

from mtlreg.registry import HEADS


@HEADS.register_module()
class IdentityHead(nn.Module):
    """Passes the backbone's output through: for networks without task-specific heads.

    In the Gumbel-Matrix synthetic experiment (Maziarz et al., App. A3) the
    components themselves output the regression value, so two tasks that use
    the same components compute the same function.

    Args:
        in_channels: the backbone's output width (checked against the features).
    """

    def __init__(self, in_channels: int):
        super().__init__()
        self.in_channels = in_channels

    def forward(self, feature: torch.Tensor, input_size=None) -> torch.Tensor:
        if feature.shape[1] != self.in_channels:
            raise ValueError(f'IdentityHead: expected {self.in_channels} features, got shape {tuple(feature.shape)}')
        return feature

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output
