"""VGG-16 with batch norm, dilated to output stride 8, each conv layer an addressable unit."""
from __future__ import annotations

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from .base import GatedBackbone

# (channels, number of 3x3 conv layers) per stage of VGG-16 (Simonyan & Zisserman, ICLR 2015).
_VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


class ConvBNReLU(nn.Sequential):
    """3×3 convolution → batch norm → ReLU."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int = 1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@BACKBONES.register_module()
class VGG16BN(GatedBackbone):
    """VGG-16 (BN) whose 13 conv layers are units; DeepLab-LargeFOV-style dilation.

    With ``output_stride=8`` the last two max-pools keep the resolution and the
    fifth stage uses dilation 2 (Chen et al., ICLR 2015). A conv layer whose
    input and output channels agree can be gated (skip = identity); gating a
    layer that changes the channel count raises an error.

    Args:
        output_stride: 8, 16 or 32. Defaults to 8.
        width_multiplier: scales every layer's channels. Defaults to 1.0.
        in_channels: input channels. Defaults to 3.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(width_multiplier=0.125)

    def __init__(self, output_stride: int = 8, width_multiplier: float = 1.0, in_channels: int = 3):
        super().__init__()
        if output_stride not in (8, 16, 32):
            raise ValueError(f'VGG16BN: output_stride must be 8, 16 or 32, got {output_stride}')
        strided_pools = {8: 3, 16: 4, 32: 5}[output_stride]
        self.units = nn.ModuleList()
        self.pools = nn.ModuleDict()
        dilation, c_in, index = 1, in_channels, 0
        for stage, (channels, n) in enumerate(_VGG16_STAGES):
            c_out = max(1, int(round(channels * width_multiplier)))
            for _ in range(n):
                self.units.append(ConvBNReLU(c_in, c_out, dilation))
                c_in, index = c_out, index + 1
            stride = 2 if stage < strided_pools else 1
            self.pools[str(index - 1)] = nn.MaxPool2d(3, 1, 1) if stride == 1 else nn.MaxPool2d(2, 2)
            if stride == 1 and stage < 4:
                dilation *= 2
        self.unit_grid = (len(self.units),)
        self.out_channels = c_in
        self.output_stride = output_stride

    units_always_skippable = False  # a layer that changes the channel count cannot be skipped

    def unit_names(self) -> list[str]:
        return [f'units.{i}' for i in range(len(self.units))]

    def skippable_units(self) -> torch.Tensor:
        """The conv layers whose input and output channels agree (their skip is the identity)."""
        return torch.tensor([unit[0].in_channels == unit[0].out_channels for unit in self.units])

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        self.check_gates(gates)
        for i, unit in enumerate(self.units):
            if gates is None or (not gates.requires_grad and float(gates[i]) == 1.0):
                x = unit(x)
            else:
                conv = unit[0]
                if conv.in_channels != conv.out_channels:
                    raise ValueError(f'VGG16BN: unit {i} changes channels ({conv.in_channels} → '
                                     f'{conv.out_channels}) and cannot be skipped; its gate must be 1')
                x = gates[i] * unit(x) + (1 - gates[i]) * x
            if str(i) in self.pools:
                x = self.pools[str(i)](x)
        return x
