"""Linear classification head."""
from __future__ import annotations

import torch
from torch import nn

from mtlreg.registry import HEADS


@HEADS.register_module()
class LinearClassificationHead(nn.Module):
    """Global average pooling (for feature maps) followed by one linear layer.

    Args:
        in_channels: feature channels.
        num_classes: number of classes.
    """

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feature: torch.Tensor, input_size=None) -> torch.Tensor:
        if feature.dim() > 2:
            feature = feature.flatten(2).mean(-1)
        return self.fc(feature)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output.argmax(dim=1)
