"""Pixel-wise (or per-sample) cross-entropy with an ignore index and class weights."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import LOSSES


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Mean cross-entropy over the labelled pixels (or samples).

    Args:
        ignore_index: label value that contributes nothing. Defaults to 255.
        class_weight: optional per-class weights (e.g. from class priors).
    """

    def __init__(self, ignore_index: int = 255, class_weight: list[float] | None = None):
        super().__init__()
        self.ignore_index = ignore_index
        weight = None if class_weight is None else torch.as_tensor(class_weight, dtype=torch.float32)
        self.register_buffer('class_weight', weight, persistent=False)

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        target = target.long()
        if mask is not None:
            target = target.masked_fill(~mask.bool(), self.ignore_index)
        if (target != self.ignore_index).sum() == 0:
            return pred.sum() * 0.0
        return F.cross_entropy(pred, target, weight=self.class_weight, ignore_index=self.ignore_index)
