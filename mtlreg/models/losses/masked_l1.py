"""L1 loss over valid pixels."""
from __future__ import annotations

import torch
from torch import nn

from mtlreg.registry import LOSSES


@LOSSES.register_module()
class MaskedL1Loss(nn.Module):
    """Mean absolute error over the pixels that are valid.

    A pixel is valid where ``mask`` is true (if given) and, if
    ``invalid_value`` is set, where the target differs from it (depth maps
    mark missing measurements with 0).

    Args:
        invalid_value: target value marking invalid pixels. Defaults to None.
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('depth', 'dense', 'value')

    def __init__(self, invalid_value: float | None = None):
        super().__init__()
        self.invalid_value = invalid_value

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        valid = torch.ones_like(target, dtype=torch.bool)
        if self.invalid_value is not None:
            valid &= target != self.invalid_value
        if mask is not None:
            valid &= mask.bool().expand_as(target)
        if valid.sum() == 0:
            return pred.sum() * 0.0
        return (pred - target).abs()[valid].mean()
