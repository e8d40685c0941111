"""A light dense head: 3×3 conv → ReLU → 1×1 conv, upsampled to the input size."""
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import HEADS


@HEADS.register_module()
class LightDenseHead(nn.Module):
    """Cheap alternative to ASPP for dense regression tasks."""

    def __init__(self, in_channels: int, out_channels: int = 1, channels: int = 32):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(channels, out_channels, 1))

    def forward(self, feature, input_size=None):
        out = self.body(feature)
        if input_size is not None:
            out = F.interpolate(out, size=input_size, mode='bilinear', align_corners=False)
        return out

    def predict(self, output):
        return output
