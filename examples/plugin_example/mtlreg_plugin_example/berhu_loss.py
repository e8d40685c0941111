"""Reverse Huber (berHu) loss for depth (Laina et al., 3DV 2016, Eq. 1)."""
import torch
from torch import nn

from mtlreg.registry import LOSSES


@LOSSES.register_module()
class BerHuLoss(nn.Module):
    """|x| where |x| ≤ c, (x² + c²)/(2c) beyond; c = ``threshold`` · max |x| of the batch.

    Pixels whose target equals ``invalid_value`` are ignored.
    """

    #: the label kinds it accepts (mtlreg's registry tests exercise it on each)
    label_kinds = ('depth', 'dense')

    def __init__(self, threshold: float = 0.2, invalid_value: float | None = 0.0):
        super().__init__()
        self.threshold = threshold
        self.invalid_value = invalid_value

    def forward(self, pred, target, mask=None):
        valid = torch.ones_like(target, dtype=torch.bool)
        if self.invalid_value is not None:
            valid &= target != self.invalid_value
        if mask is not None:
            valid &= mask.bool()
        diff = (pred - target).abs()[valid]
        if diff.numel() == 0:
            return pred.sum() * 0.0
        c = (self.threshold * diff.max()).clamp_min(1e-6).detach()
        return torch.where(diff <= c, diff, (diff ** 2 + c ** 2) / (2 * c)).mean()
