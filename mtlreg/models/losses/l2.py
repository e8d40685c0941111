"""Mean squared error with an optional validity mask."""
from __future__ import annotations

import torch
from torch import nn

from mtlreg.registry import LOSSES


@LOSSES.register_module()
class L2Loss(nn.Module):
    """Mean of ``(pred − target)²`` over valid elements (all, or where ``mask`` is true)."""

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('value', 'depth', 'dense')

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        target = target.to(pred.dtype).reshape(pred.shape)
        sq = (pred - target) ** 2
        if mask is None:
            return sq.mean()
        valid = mask.bool().expand_as(sq)
        return sq[valid].mean() if valid.any() else pred.sum() * 0.0
