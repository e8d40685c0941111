"""Surface-normal loss: 1 − cosine similarity over valid pixels."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import LOSSES


@LOSSES.register_module()
class NormalCosineLoss(nn.Module):
    """Mean of ``1 − cos(pred, target)`` over pixels whose target is a non-zero vector.

    The normal loss of AdaShare and MTAN. ``pred`` and ``target`` are
    ``[B, 3, H, W]``; both are normalised before the cosine is taken.
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('normal',)

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        valid = target.abs().sum(dim=1) > 0
        if mask is not None:
            valid = valid & mask.bool().reshape(valid.shape)
        if valid.sum() == 0:
            return pred.sum() * 0.0
        cos = F.cosine_similarity(pred, target, dim=1, eps=1e-8)
        return (1.0 - cos)[valid].mean()
