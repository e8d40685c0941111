"""Dilated ResNet-18/34 from timm with every residual block an addressable, gateable unit."""
from __future__ import annotations

import os

import timm
import torch
from torch import nn

from mtlreg.registry import BACKBONES
from ..compact.sequential import compile_sequential
from .base import GatedBackbone

_DEPTHS = {18: 'resnet18', 34: 'resnet34'}


def gated_residual_block(block: nn.Module, x: torch.Tensor, gate: torch.Tensor | float | None) -> torch.Tensor:
    """Mix a residual block's output with its shortcut: ``g·block(x) + (1 − g)·shortcut(x)``.

    AdaShare (Sun et al., NeurIPS 2020, Sec. 3.1): a skipped block passes its
    input through the block's shortcut, which is the downsample projection
    where the block has one. A hard gate of exactly 1 or 0 computes only one
    of the two branches.
    """
    if gate is None:
        return block(x)
    if not (torch.is_tensor(gate) and gate.requires_grad):  # a constant gate: skip the unused branch
        if float(gate) == 1.0:
            return block(x)
        if float(gate) == 0.0:
            return shortcut(block, x)
    return gate * block(x) + (1 - gate) * shortcut(block, x)


def shortcut(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The shortcut branch of a residual block (its downsample, else identity)."""
    downsample = getattr(block, 'downsample', None)
    return x if downsample is None else downsample(x)


@BACKBONES.register_module()
class DilatedResNet(GatedBackbone):
    """ResNet-18/34 (timm, no download) dilated to output stride 8, residual blocks as units.

    DeepLab (Chen et al., TPAMI 2018) replaces the strides of the last stages
    by dilation; AdaShare uses this backbone with one gate per residual block.

    Args:
        depth: 18 or 34.
        output_stride: 8, 16 or 32. Defaults to 8.
        width_multiplier: scales every stage's channels (and the stem) for
            CPU-scale runs. Defaults to 1.0.
        in_channels: input channels. Defaults to 3.
        pretrained: path of a local timm/torchvision ResNet state dict to load
            (never fetched). Defaults to None.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(width_multiplier=0.125)

    def __init__(self, depth: int = 18, output_stride: int = 8, width_multiplier: float = 1.0,
                 in_channels: int = 3, pretrained: str | None = None):
        super().__init__()
        if depth not in _DEPTHS:
            raise ValueError(f'DilatedResNet: depth must be one of {sorted(_DEPTHS)}, got {depth}')
        channels = tuple(max(1, int(round(c * width_multiplier))) for c in (64, 128, 256, 512))
        net = timm.create_model(_DEPTHS[depth], pretrained=False, num_classes=0, global_pool='',
                                output_stride=output_stride, in_chans=in_channels, channels=channels,
                                stem_width=channels[0])
        if pretrained is not None:
            load_local_weights(net, pretrained)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.act1, net.maxpool)
        self.blocks = nn.ModuleList(b for layer in (net.layer1, net.layer2, net.layer3, net.layer4) for b in layer)
        stage_sizes = [len(layer) for layer in (net.layer1, net.layer2, net.layer3, net.layer4)]
        #: index of the stage each block belongs to
        self.block_stage = [s for s, n in enumerate(stage_sizes) for _ in range(n)]
        #: the block indices of every stage, and every stage's output channels
        self.stage_blocks = [[i for i, s in enumerate(self.block_stage) if s == j] for j in range(len(stage_sizes))]
        self.stage_channels = list(channels)
        self.unit_grid = (len(self.blocks),)
        self.out_channels = channels[-1]
        self.output_stride = output_stride

    def unit_names(self) -> list[str]:
        return [f'blocks.{i}' for i in range(len(self.blocks))]

    def sequential_units(self) -> tuple[nn.Module, list[tuple[nn.Module, nn.Module | None]]]:
        """The stem and, per block, the block and what a skipped block runs (its downsample; None: identity).

        What :func:`~mtlreg.models.compact.sequential.compile_sequential` compiles.
        """
        return self.stem, [(block, getattr(block, 'downsample', None)) for block in self.blocks]

    def compile_compact(self, mask, task_names, copy_modules=True):
        """A prefix tree of the blocks the tasks run (:func:`~mtlreg.models.compact.sequential.compile_sequential`)."""
        return compile_sequential(self, torch.as_tensor(mask).reshape(len(task_names), -1), task_names, copy_modules)

    def skip_parameter_counts(self) -> torch.Tensor:
        """A skipped block still runs its downsample projection (:func:`shortcut`)."""
        return torch.tensor([sum(p.numel() for p in block.downsample.parameters())
                             if getattr(block, 'downsample', None) is not None else 0 for block in self.blocks],
                            dtype=torch.long)

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        self.check_gates(gates)
        x = self.stem(x)
        for i, block in enumerate(self.blocks):
            x = gated_residual_block(block, x, None if gates is None else gates[i])
        return x


def load_local_weights(net: nn.Module, path: str) -> None:
    """Load a local state dict into ``net`` (keys of timm/torchvision ResNets); never downloads."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'backbone.pretrained: no file at {path!r}; pretrained weights are read '
                                'from a local file only (see docs/extending.md)')
    state = torch.load(path, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    state = {k: v for k, v in state.items() if not k.startswith('fc.')}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.startswith('fc.')]:
        raise ValueError(f'backbone.pretrained: {path!r} does not match the backbone; missing keys '
                         f'{missing[:5]}, unexpected keys {unexpected[:5]}')
