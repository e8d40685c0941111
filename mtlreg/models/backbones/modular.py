"""A network of modular layers: each layer holds C parallel components a task may use or not."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from ..compact.modular import compile_modular
from .base import GatedBackbone

_COMPONENTS = ('conv', 'max_pool', 'avg_pool', 'identity', 'fc')


def _pair(kernel) -> tuple[int, int]:
    return (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)


def build_component(cfg: dict, in_channels: int, out_channels: int, stride: int, padding: bool, norm_groups: int | None,
                    where: str) -> nn.Module:
    """One component of a modular layer (Maziarz et al., Sec. V and Apps. A2, A3, B, C1).

    * ``conv``: ``depth`` convolutions (``kernel_size`` an int, a pair, or a
      list with one entry per convolution, e.g. ``[(1, 7), (7, 1)]``), the
      first with the layer's stride; GroupNorm + ReLU after each when
      ``norm_groups`` is set, else ReLU;
    * ``max_pool`` / ``avg_pool``: 3×3 pooling with the layer's stride
      (a 1×1 convolution first when the channels change);
    * ``identity``: the input, or a strided 1×1 convolution where the layer
      has a stride or changes the channels;
    * ``fc``: ``depth`` linear layers of ``units`` (ReLU between), for vectors.
    """
    kind = cfg.get('type')
    if kind not in _COMPONENTS:
        raise ValueError(f'{where}.type: expected one of {_COMPONENTS}, got {kind!r}')
    if kind == 'fc':
        units = cfg.get('units', out_channels)
        depth = cfg.get('depth', 1)
        mods, width = [], in_channels
        for i in range(depth):
            last = i == depth - 1
            mods.append(nn.Linear(width, out_channels if last else units))
            if not last or cfg.get('final_relu', True):
                mods.append(nn.ReLU(inplace=True))
            width = units
        return nn.Sequential(*mods)
    if kind == 'conv':
        depth = cfg.get('depth', 1)
        kernels = cfg.get('kernel_size', 3)
        kernels = list(kernels) if isinstance(kernels, list) else [kernels] * depth
        if len(kernels) != depth:
            raise ValueError(f'{where}.kernel_size: {len(kernels)} kernels for depth {depth}')
        mods, width = [], in_channels
        for i, kernel in enumerate(kernels):
            kh, kw = _pair(kernel)
            pad = (kh // 2, kw // 2) if padding else 0
            mods.append(nn.Conv2d(width, out_channels, (kh, kw), stride=stride if i == 0 else 1, padding=pad))
            if norm_groups:
                mods.append(nn.GroupNorm(norm_groups, out_channels))
            mods.append(nn.ReLU(inplace=True))
            width = out_channels
        return nn.Sequential(*mods)
    project = in_channels != out_channels or (kind == 'identity' and stride != 1)
    mods = [nn.Conv2d(in_channels, out_channels, 1, stride=stride if kind == 'identity' else 1)] if project else []
    if kind == 'max_pool':
        mods.append(nn.MaxPool2d(3, stride=stride, padding=1))
    elif kind == 'avg_pool':
        mods.append(nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False))
    return nn.Sequential(*mods) if mods else nn.Identity()


@BACKBONES.register_module()
class ModularNetwork(GatedBackbone):
    """L modular layers of C parallel components; a task's layer output is the mean of its active ones.

    Maziarz et al., "Flexible Multi-task Networks by Learning Parameter
    Allocation", Sec. III: for one task, a layer computes
    ``Σ_c g_c · f_c(x) / max(#active, 1)`` where ``g`` are the task's gates
    over the layer's components and ``#active`` counts the gates that are not
    0 (a task with no active component gets zeros). Units are the components,
    ``unit_grid = (L, C)``. An optional 1×1 stem maps the input to the first
    layer's width; ``after`` adds per-layer pooling (``'avg_pool'``/``'max_pool'``
    with ``kernel``) and ``norm_groups`` a GroupNorm + ReLU after each layer.
    The output is the last layer's feature map (``[N, C, H, W]``; ``[N, C]`` for
    vector inputs), which ``LinearClassificationHead`` pools.

    Args:
        layers: ``[dict(components=[component cfg, ...], channels=48, stride=1,
            after=None), ...]``; every layer has the same number of components.
        in_channels: input channels (or features, for vector inputs).
        stem_channels: width of a 1×1 convolution (or linear layer) applied
            first; None for no stem.
        norm_groups: GroupNorm groups inside conv components and after each
            layer; None for none.
        padding: 'same' padding in conv components. Defaults to True.
        vector_input: inputs are vectors (fully connected components).
        count_gradient: with straight-through gates, differentiate through the
            mean's denominator (see ``mean_of_active``). Defaults to True.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(in_channels=3, layers=[dict(channels=4, stride=2, components=[
        dict(type='conv'), dict(type='max_pool'), dict(type='identity')])] * 2)

    unit_kind = 'components'

    def __init__(self, layers: Sequence[dict], in_channels: int = 1, stem_channels: int | None = None,
                 norm_groups: int | None = None, padding: bool = True, vector_input: bool = False,
                 count_gradient: bool = True):
        super().__init__()
        if not layers:
            raise ValueError('ModularNetwork.layers: expected at least one layer')
        counts = {len(layer.get('components', ())) for layer in layers}
        if len(counts) != 1 or 0 in counts:
            raise ValueError(f'ModularNetwork.layers: every layer needs the same, non-zero number of components; '
                             f'got {[len(layer.get("components", ())) for layer in layers]}')
        self.vector_input = vector_input
        self.count_gradient = count_gradient
        width = in_channels
        self.stem = None
        if stem_channels:
            self.stem = nn.Linear(width, stem_channels) if vector_input else nn.Conv2d(width, stem_channels, 1)
            width = stem_channels
        self.layers = nn.ModuleList()
        self.after = nn.ModuleList()
        for i, layer in enumerate(layers):
            out = layer.get('channels', width)
            stride = layer.get('stride', 1)
            self.layers.append(nn.ModuleList(
                build_component(c, width, out, stride, padding, norm_groups, f'layers[{i}].components[{j}]')
                for j, c in enumerate(layer['components'])))
            post = []
            if norm_groups and not vector_input:
                post += [nn.GroupNorm(norm_groups, out), nn.ReLU(inplace=True)]
            after = layer.get('after')
            if after:
                pool = {'avg_pool': nn.AvgPool2d, 'max_pool': nn.MaxPool2d}.get(after.get('type'))
                if pool is None:
                    raise ValueError(f"layers[{i}].after.type: expected 'avg_pool' or 'max_pool', got {after!r}")
                post.append(pool(after.get('kernel', 2)))
            self.after.append(nn.Sequential(*post))
            width = out
        self.unit_grid = (len(layers), counts.pop())
        self.out_channels = width

    def unit_names(self) -> list[str]:
        return [f'layers.{i}.{j}' for i in range(self.unit_grid[0]) for j in range(self.unit_grid[1])]

    def layered_units(self) -> tuple[nn.Module | None, list[tuple[nn.ModuleList, nn.Module]]]:
        """The stem (or None) and, per layer, its components and what follows them (norm, pooling).

        What :func:`~mtlreg.models.compact.modular.compile_modular` compiles.
        """
        return self.stem, list(zip(self.layers, self.after))

    def compile_compact(self, mask, task_names, copy_modules=True):
        """Only the allocated components, each shared prefix once (:func:`~mtlreg.models.compact.modular.compile_modular`)."""
        return compile_modular(self, mask, task_names, copy_modules)

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        self.check_gates(gates)
        if self.stem is not None:
            x = self.stem(x)
        for i, (components, after) in enumerate(zip(self.layers, self.after)):
            x = after(mean_of_active(components, x, None if gates is None else gates[i], self.count_gradient))
        return x


def mean_of_active(components: nn.ModuleList, x: torch.Tensor, gates: torch.Tensor | None,
                   count_gradient: bool = True) -> torch.Tensor:
    """``Σ_c g_c f_c(x) / max(Σ_c g_c, 1)``: the mean of the active components, zeros when none is active.

    Maziarz et al., Sec. III-A. With differentiable (straight-through) gates
    every component is computed and the gradient is that of the relaxed mean,
    denominator included: ``∂out/∂g_c = (f_c(x) − out) / #active``, so a gate
    learns whether adding its component moves the task's output the right way
    (the public code divides by the sum of the gates in the same way). With
    ``count_gradient=False`` the denominator is a constant and the gradient is
    ``f_c(x) / #active``. With constant gates (evaluation, a fixed allocation)
    inactive components are skipped, and a task with none active gets zeros.
    """
    if gates is None:
        return sum(c(x) for c in components) / len(components)
    count = int((gates.detach() != 0).sum())
    if gates.requires_grad:
        total = sum(gates[j] * c(x) for j, c in enumerate(components))
        if count == 0 or not count_gradient:  # max(Σ g, 1) = 1 has no gradient below 1
            return total / max(count, 1)
        gate_sum = gates.sum()
        return total / (gate_sum - gate_sum.detach() + count)  # forward: exactly #active
    active = [j for j in range(len(components)) if float(gates[j]) != 0.0]
    if not active:  # zeros of the layer's output shape
        return components[0](x).detach() * 0.0
    return sum(gates[j] * components[j](x) for j in active) / count
