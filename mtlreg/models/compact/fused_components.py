"""Parallel components that read one input, computed as one wider layer.

A Gumbel-Matrix layer holds several components of the same form (e.g. four
5×5 convolutions with ReLU, or four fully connected layers). Where several of
them read the same input, their first layers' weights are concatenated along
the output dimension and run as one convolution (or linear layer), then the
shared elementwise tail, then the result is split back per component. The
outputs are the components' own (the same arithmetic per output channel); one
wide layer replaces several narrow ones, whose per-call cost dominates small
networks on CPUs.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

#: Parameter-free modules that act on every element alone (so on concatenated channels as on each part).
ELEMENTWISE = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Identity)


def fusion_signature(module: nn.Module) -> tuple | None:
    """What must agree for components to run as one layer; ``None`` for a component that cannot.

    Fusable: an ``nn.Sequential`` of one ``nn.Conv2d`` (no groups, zero padding)
    or ``nn.Linear`` followed only by :data:`ELEMENTWISE` modules.
    """
    if not isinstance(module, nn.Sequential) or len(module) == 0:
        return None
    first, tail = module[0], list(module)[1:]
    if any(type(m) not in ELEMENTWISE for m in tail):
        return None
    tail_key = tuple(repr(m) for m in tail)
    if type(first) is nn.Conv2d and first.groups == 1 and first.padding_mode == 'zeros':
        return ('conv2d', first.in_channels, first.kernel_size, first.stride, first.padding, first.dilation,
                first.bias is not None, tail_key)
    if type(first) is nn.Linear:
        return ('linear', first.in_features, first.bias is not None, tail_key)
    return None


def run_fused(components: Sequence[nn.Sequential], x: torch.Tensor) -> list[torch.Tensor]:
    """Each component's output on ``x``, from one wide layer (components of one :func:`fusion_signature`)."""
    firsts = [c[0] for c in components]
    weight = torch.cat([f.weight for f in firsts])
    bias = torch.cat([f.bias for f in firsts]) if firsts[0].bias is not None else None
    if isinstance(firsts[0], nn.Conv2d):
        head = firsts[0]
        y = F.conv2d(x, weight, bias, head.stride, head.padding, head.dilation)
        dim = 1
    else:
        y = F.linear(x, weight, bias)
        dim = -1
    for module in list(components[0])[1:]:
        y = module(y)
    return list(torch.split(y, [f.weight.shape[0] for f in firsts], dim=dim))
