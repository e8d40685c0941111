"""Class-balanced binary cross-entropy on logits, for boundary and saliency maps."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import LOSSES
from mtlreg.utils.errors import DataError


@LOSSES.register_module()
class BalancedBCELoss(nn.Module):
    """Binary cross-entropy whose positive and negative pixels are weighted apart.

    HED's class-balanced loss (Xie & Tu, "Holistically-Nested Edge Detection",
    ICCV 2015, Eq. 2) as the dense multi-task literature uses it for
    boundaries and saliency (Maninis et al. 2019; Vandenhende et al. 2020,
    MTI-Net):

    .. math::

        L = \\frac{1}{N} \\Big( -w \\sum_{y_i = 1} \\log \\sigma(x_i)
            - (1 - w) \\sum_{y_i = 0} \\log (1 - \\sigma(x_i)) \\Big),

    with ``N`` the number of valid pixels of the batch. ``w`` is
    ``pos_weight`` when given (0.95 for boundaries in those works), otherwise
    the share of negative pixels in the batch, ``|Y_-| / (|Y_-| + |Y_+|)``
    (HED's β; saliency). A label counts as positive where it is ``>= 0.5``
    (labels resized with interpolation stay binary that way).

    Args:
        pos_weight: Fixed weight ``w`` of the positive pixels, in (0, 1); None
            (default) takes the batch's share of negatives.
        ignore_value: Label value of pixels that contribute nothing (e.g.
            255); None (default) counts every pixel.
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('dense',)

    def __init__(self, pos_weight: float | None = None, ignore_value: float | None = None):
        super().__init__()
        if pos_weight is not None and not 0.0 < float(pos_weight) < 1.0:
            raise ValueError(f'BalancedBCELoss: pos_weight must lie in (0, 1) or be None, got {pos_weight!r}')
        self.pos_weight = None if pos_weight is None else float(pos_weight)
        self.ignore_value = ignore_value

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if pred.shape != target.shape:
            raise DataError(f'the label has shape {tuple(target.shape)}', where='BalancedBCELoss',
                            expected=f'one binary map per logit map, of shape {tuple(pred.shape)}',
                            doc='docs/datasets.md')
        valid = torch.ones_like(target, dtype=torch.bool)
        if self.ignore_value is not None:
            valid &= target != self.ignore_value
        if mask is not None:
            valid &= mask.bool().expand_as(target)
        count = valid.sum()
        if count == 0:
            return pred.sum() * 0.0
        positive = (target >= 0.5) & valid
        negative = valid & ~positive
        if self.pos_weight is None:
            w = negative.sum().to(pred.dtype) / count.to(pred.dtype)
        else:
            w = torch.as_tensor(self.pos_weight, dtype=pred.dtype, device=pred.device)
        # -log σ(x) = softplus(-x), -log(1 - σ(x)) = softplus(x): stable for large |x|
        loss_pos = F.softplus(-pred)[positive].sum()
        loss_neg = F.softplus(pred)[negative].sum()
        return (w * loss_pos + (1.0 - w) * loss_neg) / count.to(pred.dtype)
