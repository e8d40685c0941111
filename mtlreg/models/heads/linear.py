"""Linear task heads: classification (argmax prediction) and regression (the output itself)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import HEADS


@HEADS.register_module()
class LinearClassificationHead(nn.Module):
    """Global average pooling (or flattening) of the features, dropout, one linear layer.

    Args:
        in_channels: feature channels.
        num_classes: number of classes (outputs).
        dropout: dropout probability before the linear layer (Maziarz et al.
            use 0.5 right before the task heads). Defaults to 0.
        flatten_size: ``(H, W)`` (or an int) of the feature map to flatten
            instead of pooling it: the 4-MNISTs network flattens its last
            feature map (Maziarz et al., Sec. V-A). Defaults to None (pool).
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(num_classes=3)

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.0,
                 flatten_size: int | Sequence[int] | None = None):
        super().__init__()
        if flatten_size is not None:
            flatten_size = (flatten_size, flatten_size) if isinstance(flatten_size, int) else tuple(flatten_size)
        self.flatten_size = flatten_size
        self.out_channels = num_classes
        in_features = in_channels * (flatten_size[0] * flatten_size[1] if flatten_size else 1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, feature: torch.Tensor, input_size=None) -> torch.Tensor:
        if feature.dim() > 2:
            if self.flatten_size is None:
                feature = feature.flatten(2).mean(-1)
            else:
                if tuple(feature.shape[-2:]) != self.flatten_size:
                    raise ValueError(f'{type(self).__name__}: flatten_size={self.flatten_size} but the features '
                                     f'are {tuple(feature.shape[-2:])}')
                feature = feature.flatten(1)
        return self.fc(self.dropout(feature))

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output.argmax(dim=1)


@HEADS.register_module()
class LinearRegressionHead(LinearClassificationHead):
    """A linear head whose output is the prediction (``num_classes`` = number of outputs).

    The task heads of the Gumbel-Matrix synthetic experiment of Sec. II
    (Maziarz et al., App. A2).
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(num_classes=1)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        return output
