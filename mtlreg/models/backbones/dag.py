"""The DAG central network of Choi & Im (CVPR 2023): hidden states linked by gated edges, read-in and read-out."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.structures.dag_grid import DAGGrid
from ..compact.dag import compile_dag
from .base import GatedBackbone

#: App. A, Table 7: the 12 states of VGG-16 without its pooled states, as (channels, downsampling).
VGG16_STATES = ((64, 1), (64, 1), (128, 2), (128, 2), (256, 4), (256, 4), (256, 4),
                (512, 8), (512, 8), (512, 8), (512, 16), (512, 16))
#: 8 states of 48 channels for Omniglot (Sec. 4.1: as the modular networks of Gumbel-Matrix and routing
#: models, whose eight layers downsample in five of them).
OMNIGLOT_STATES = ((48, 2), (48, 4), (48, 4), (48, 8), (48, 8), (48, 16), (48, 16), (48, 32))
STATE_PRESETS = {'vgg16': VGG16_STATES, 'omniglot8': OMNIGLOT_STATES}


def conv_bn_relu(in_channels: int, out_channels: int, kernel: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Area interpolation down to ``size`` (every state is at most the input's resolution)."""
    return x if tuple(x.shape[-2:]) == tuple(size) else F.interpolate(x, size=size, mode='area')


#: How a hidden state combines its gated links (``DAGNetwork.state_normalization``).
STATE_NORMALIZATIONS = ('in_degree', 'gate_sum')


class DAGEdge(nn.Sequential):
    """``e_ij``: conv3×3 (C_i → C_j, padding 1) → BN → ReLU → max-pool by H_i / H_j (App. A, Table 8)."""

    def __init__(self, in_channels: int, out_channels: int, pool: int):
        mods = conv_bn_relu(in_channels, out_channels, 3)
        if pool > 1:
            mods.append(nn.MaxPool2d(pool, pool, ceil_mode=True))
        super().__init__(*mods)


class ReadIn(nn.Module):
    """The read-in link into state i: v0 area-interpolated to the state's size, then conv → BN → ReLU to C_i."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int):
        super().__init__()
        self.embed = nn.Sequential(*conv_bn_relu(in_channels, out_channels, kernel))

    def forward(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return self.embed(resize(x, size))


class ReadOut(nn.Module):
    """The read-out link from state i: resized to the read-out state, then 1×1 conv → BN → ReLU if C_i ≠ C_L."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.project = (nn.Sequential(*conv_bn_relu(in_channels, out_channels, 1)) if in_channels != out_channels
                        else nn.Identity())

    def forward(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return self.project(resize(x, size))


@BACKBONES.register_module()
class DAGNetwork(GatedBackbone):
    """A central network of N hidden states in topological order, linked by gated edges (Choi & Im, Sec. 3.1).

    For one task with gates Ψ (the merged ``(N+2) × (N+2)`` adjacency: row 0
    the read-in weights, ``Ψ[i, j]`` the edge weights, column N+1 the read-out
    weights; :class:`~mtlreg.structures.dag_grid.DAGGrid` names the parts):

    * read-in (Eq. 3) and hidden update (Eq. 4), in one normalised sum:
      ``v_j = (Ψ[0, j]·r_j(v0) + Σ_i Ψ[i, j]·e_ij(v_i)) / In(v_j)`` with ``In`` the
      number of the state's links that are on (gate ≠ 0; during the search all
      of them), a state without any being zeros (``state_normalization=
      'in_degree'``, Eq. 4 as printed); with ``'gate_sum'`` the sum is divided
      by the sum of the state's gates instead, so a state is a weighted mean of
      its links whose scale the gates do not change (identical for binary
      gates, so only the warm-up and the search differ);
    * read-out (Eq. 5): ``v_L = Σ_i Ψ[i, N+1]·o_i(v_i)``, not normalised.

    Edges exist for ``0 < j − i ≤ M`` (the flow restriction; ``M ≥ N − 1`` is the
    complete DAG). The policy supplies σ(α), σ(γ), σ(β) while it searches, 0.5
    in the warm-up and binary gates after the reduction. Edges, read-ins and
    read-outs are the units (``unit_grid = (N + 2, N + 2)``, absent entries of
    the grid have no unit); a unit whose gate is a constant 0 is not computed.

    Choices the paper leaves open (docs/methods/dag_network.md): the read-in
    area-interpolates the input to the state's resolution and embeds it with a
    ``read_in_kernel`` conv → BN → ReLU to the state's channels; the read-out
    area-interpolates a state to the read-out resolution and, where the
    channels differ, projects with a 1×1 conv → BN → ReLU; the read-in counts
    as one of the links the update averages over; resolutions round up
    (``ceil(H / stride)``, pooling with ``ceil_mode``).

    Args:
        states: ``'vgg16'`` (App. A, Table 7), ``'omniglot8'``, or a list of
            ``(channels, stride)`` per hidden state, strides relative to the
            input and non-decreasing.
        flow_constant: M. Defaults to 5.
        in_channels: channels of the input state v0. Defaults to 3.
        width_multiplier: scales every state's channels. Defaults to 1.0.
        read_out_channels: channels of the read-out state; defaults to the
            last hidden state's.
        read_out_stride: resolution of the read-out state; defaults to the
            last hidden state's stride.
        read_in_kernel: kernel of the read-in embedding. Defaults to 3.
        state_normalization: ``'in_degree'`` (Eq. 4: divide by the number of
            links that are on) or ``'gate_sum'`` (divide by the sum of their
            gates). Defaults to ``'in_degree'``.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(width_multiplier=0.125)

    unit_kind = 'links'

    def __init__(self, states: str | Sequence[Sequence[int]] = 'vgg16', flow_constant: int = 5, in_channels: int = 3,
                 width_multiplier: float = 1.0, read_out_channels: int | None = None,
                 read_out_stride: int | None = None, read_in_kernel: int = 3,
                 state_normalization: str = 'in_degree'):
        super().__init__()
        if state_normalization not in STATE_NORMALIZATIONS:
            raise ValueError(f'DAGNetwork.state_normalization: expected one of {list(STATE_NORMALIZATIONS)}, '
                             f'got {state_normalization!r}')
        self.state_normalization = state_normalization
        if isinstance(states, str):
            if states not in STATE_PRESETS:
                raise ValueError(f'DAGNetwork.states: expected one of {sorted(STATE_PRESETS)} or a list of '
                                 f'(channels, stride), got {states!r}')
            states = STATE_PRESETS[states]
        states = [tuple(s) for s in states]
        if not states or any(len(s) != 2 or s[0] < 1 or s[1] < 1 for s in states):
            raise ValueError(f'DAGNetwork.states: expected a non-empty list of (channels, stride) with positive '
                             f'values, got {states}')
        strides = [s[1] for s in states]
        if strides != sorted(strides) or any(b % a for a, b in zip(strides, strides[1:])):
            raise ValueError(f'DAGNetwork.states: strides must be non-decreasing, each dividing the next, '
                             f'got {strides}')
        if flow_constant < 1:
            raise ValueError(f'DAGNetwork.flow_constant: expected M >= 1, got {flow_constant}')
        self.num_states = len(states)
        self.dag_grid = grid = DAGGrid(self.num_states)
        self.flow_constant = flow_constant
        self.channels = [max(1, int(round(c * width_multiplier))) for c, _ in states]
        self.strides = strides
        self.read_out_channels = read_out_channels or self.channels[-1]
        self.read_out_stride = read_out_stride or strides[-1]
        if self.read_out_stride < strides[-1]:
            raise ValueError(f'DAGNetwork.read_out_stride: expected at least the last state\'s stride {strides[-1]}, '
                             f'got {self.read_out_stride}')
        self.edge_list = grid.flow_restricted_edges(flow_constant)
        self.read_in = nn.ModuleDict({str(j): ReadIn(in_channels, self.channels[j - 1], read_in_kernel)
                                      for j in grid.hidden_nodes})
        self.edges = nn.ModuleDict({
            f'{i}_{j}': DAGEdge(self.channels[i - 1], self.channels[j - 1], strides[j - 1] // strides[i - 1])
            for i, j in self.edge_list})
        self.read_out = nn.ModuleDict({str(i): ReadOut(self.channels[i - 1], self.read_out_channels)
                                       for i in grid.hidden_nodes})
        self.register_buffer('valid', grid.valid_mask(flow_constant), persistent=False)
        self.unit_grid = grid.shape
        self.out_channels = self.read_out_channels
        self.output_stride = self.read_out_stride

    # ----------------------------------------------------------------- units
    def unit_module_name(self, i: int, j: int) -> str | None:
        """The module of grid entry ``(i, j)``, or None where the grid has no unit."""
        if not bool(self.valid[i, j]):
            return None
        kind = self.dag_grid.link_kind(i, j)
        if kind == 'read_in':
            return f'read_in.{j}'
        if kind == 'read_out':
            return f'read_out.{i}'
        return f'edges.{i}_{j}'

    def unit_names(self) -> list[str]:
        size = self.dag_grid.size
        return [self.unit_module_name(i, j) or '' for i in range(size) for j in range(size)]

    def valid_units(self) -> torch.Tensor:
        return self.valid.clone()

    def unit_parameter_counts(self) -> torch.Tensor:
        size = self.dag_grid.size
        counts = self.dag_grid.empty(torch.long)
        for i in range(size):
            for j in range(size):
                name = self.unit_module_name(i, j)
                if name:
                    counts[i, j] = sum(p.numel() for p in self.get_submodule(name).parameters())
        return counts

    def graph_units(self) -> dict:
        """The read-ins, edges and read-outs with the states' channels and strides.

        What :func:`~mtlreg.models.compact.dag.compile_dag` compiles.
        """
        return dict(read_in=self.read_in, edges=self.edges, read_out=self.read_out, channels=list(self.channels),
                    strides=list(self.strides), read_out_channels=self.read_out_channels,
                    read_out_stride=self.read_out_stride)

    def compile_compact(self, mask, task_names, copy_modules=True):
        """One network computing each distinct state of the reduced sub-networks once
        (:func:`~mtlreg.models.compact.dag.compile_dag`)."""
        return compile_dag(self, mask, task_names, copy_modules)

    def state_size(self, input_size: Sequence[int], stride: int) -> tuple[int, int]:
        return tuple(math.ceil(s / stride) for s in input_size[-2:])

    # --------------------------------------------------------------- forward
    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        self.check_gates(gates)
        grid = self.dag_grid

        def link(i: int, j: int):
            """The gate of a link, or None when it is off (a constant 0)."""
            if gates is None:
                return 1.0
            g = gates[i, j]
            return g if g.requires_grad or float(g) != 0.0 else None

        states: list[torch.Tensor | None] = [x] + [None] * grid.num_states
        for j in grid.hidden_nodes:
            size = self.state_size(x.shape, self.strides[j - 1])
            terms, weights = [], []
            g = link(grid.input_node, j)
            if g is not None:
                terms.append(g * self.read_in[str(j)](x, size))
                weights.append(g)
            for i in grid.predecessors(j, self.flow_constant):
                g = link(i, j)
                if g is not None:
                    source = states[i] if states[i] is not None else self.zero_state(x, i)
                    terms.append(g * self.edges[f'{i}_{j}'](source))
                    weights.append(g)
            if not terms:
                states[j] = None
            elif self.state_normalization == 'gate_sum':
                total = sum(weights)
                states[j] = sum(terms) / (total.clamp_min(1e-6) if torch.is_tensor(total) else max(total, 1e-6))
            else:
                states[j] = sum(terms) / len(terms)
        size = self.state_size(x.shape, self.read_out_stride)
        out = []
        for i in grid.hidden_nodes:
            g = link(i, grid.output_node)
            if g is not None:
                source = states[i] if states[i] is not None else self.zero_state(x, i)
                out.append(g * self.read_out[str(i)](source, size))
        if not out:
            return x.new_zeros(x.shape[0], self.read_out_channels, *size)
        return sum(out)

    def zero_state(self, x: torch.Tensor, i: int) -> torch.Tensor:
        """State i when none of its links is on."""
        return x.new_zeros(x.shape[0], self.channels[i - 1], *self.state_size(x.shape, self.strides[i - 1]))
