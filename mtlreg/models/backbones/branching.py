"""A tree of branches: L layers of image blocks, every node reading a mix of the nodes of the layer before."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from ..compact.cloning import module_cloner
from ..compact.prefix_tree import build_prefix_tree
from ..compact.sequential import CompactSequentialBackbone
from .base import GatedBackbone
from .modular import mean_of_active

_BLOCKS = ('conv', 'basic')


def conv_bn_relu(in_channels: int, out_channels: int, kernel: int, stride: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]


class ConvNode(nn.Sequential):
    """``convs`` × (conv 3×3 → BN → ReLU), the first with the layer's stride."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, convs: int = 1):
        mods = []
        for i in range(convs):
            mods += conv_bn_relu(in_channels if i == 0 else out_channels, out_channels, 3, stride if i == 0 else 1)
        super().__init__(*mods)


class BasicNode(nn.Module):
    """A ResNet basic block (He et al., CVPR 2016): ``ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x))``.

    The first 3×3 convolution has the layer's stride; the shortcut is the identity, or a strided 1×1
    convolution → BN where the stride or the channels change.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(*conv_bn_relu(in_channels, out_channels, 3, stride),
                                  nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(out_channels))
        self.shortcut = (nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(out_channels))
                         if stride != 1 or in_channels != out_channels else nn.Identity())
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


def _per_layer(value, layers: int, name: str) -> list[int]:
    values = [value] * layers if isinstance(value, int) else list(value)
    if len(values) != layers or any(not isinstance(v, int) or v < 1 for v in values):
        raise ValueError(f'BranchingBackbone.{name}: expected a positive int or one per layer ({layers}), '
                         f'got {value!r}')
    return values


@BACKBONES.register_module()
class BranchingBackbone(GatedBackbone):
    """The tree-structured supernet of Learning to Branch (Guo, Lee & Ulbricht, ICML 2020, Sec. 3).

    An optional stem, then L layers; layer l holds ``N_l = widths[l]`` nodes, image blocks of the
    same form (``block='conv'``: conv → BN → ReLU; ``'basic'``: a ResNet basic block) with the
    layer's ``channels`` and ``stride``. The nodes of layer 0 read the stem; the last layer holds one
    node per task, the tasks' leaves, which the heads read. The units are the nodes: ``unit_grid =
    (L, max N_l)``, a sparse grid whose layer l holds its nodes in its first ``N_l`` entries
    (``valid_units``).

    A policy that drives ``'branches'`` gives ``parent_weights()``: per layer l ≥ 1 a
    ``[N_l, N_{l−1}]`` tensor whose row j weighs the possible parents of node j. The input of node j of
    layer l is then ``x_{l,j} = Σ_i w_{l,j,i} · y_{l−1,i}`` with ``y`` the outputs of layer
    l − 1, so every node runs once per layer, whatever the number of tasks (:meth:`tree_features`);
    task k's features are leaf k's output. A node none of the requested leaves depends on is not
    computed, nor a parent whose weight is a constant 0.

    A discrete tree (a fixed policy) runs compiled (:meth:`compile_compact`): each task's chain of
    nodes, the prefix that tasks share once per batch. Driven by a policy of per-task gates
    (``FixedMaskPolicy``, ``SharedBottomPolicy``), ``forward(x, gates)`` runs one task: each layer's
    output is the mean of the layer's nodes the task's gates switch on (:func:`mean_of_active`), each
    applied to the previous layer's output — one node per layer is a chain, ``gates=None`` every node.

    Args:
        widths: ``N_l`` for every layer, at least two layers; the paper's trees start from one node
            (``widths[0] = 1``) and end with one node per task.
        channels: output channels of every layer's nodes (an int: all layers).
        strides: stride of every layer's nodes (an int: all layers). Defaults to 1.
        block: ``'conv'`` or ``'basic'``. Defaults to 'conv'.
        convs: convolutions in a ``'conv'`` node. Defaults to 1.
        in_channels: input channels. Defaults to 3.
        stem_channels: width of a stem (conv → BN → ReLU) before layer 0; None for no stem.
        stem_kernel: the stem's kernel. Defaults to 3.
        stem_stride: the stem's stride. Defaults to 1.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(widths=[1, 2, 2], channels=4, strides=[2, 1, 1])

    unit_kind = 'branches'

    def __init__(self, widths: Sequence[int], channels: int | Sequence[int], strides: int | Sequence[int] = 1,
                 block: str = 'conv', convs: int = 1, in_channels: int = 3, stem_channels: int | None = None,
                 stem_kernel: int = 3, stem_stride: int = 1):
        super().__init__()
        widths = list(widths) if not isinstance(widths, int) else [widths]
        if len(widths) < 2 or any(not isinstance(n, int) or n < 1 for n in widths):
            raise ValueError(f'BranchingBackbone.widths: expected the node counts of at least two layers (layer 0 '
                             f'first, one leaf per task last), all positive ints, got {widths!r}')
        if block not in _BLOCKS:
            raise ValueError(f'BranchingBackbone.block: expected one of {_BLOCKS}, got {block!r}')
        if not isinstance(convs, int) or convs < 1:
            raise ValueError(f'BranchingBackbone.convs: expected a positive int, got {convs!r}')
        self.widths = widths
        self.channels = _per_layer(channels, len(widths), 'channels')
        self.strides = _per_layer(strides, len(widths), 'strides')
        self.block = block
        if stem_channels:
            self.stem = nn.Sequential(*conv_bn_relu(in_channels, stem_channels, stem_kernel, stem_stride))
            width = stem_channels
        else:
            self.stem = nn.Identity()
            width, stem_stride = in_channels, 1
        layers = []
        for n, out, stride in zip(self.widths, self.channels, self.strides):
            make = (lambda: BasicNode(width, out, stride)) if block == 'basic' else \
                (lambda: ConvNode(width, out, stride, convs))
            layers.append(nn.ModuleList(make() for _ in range(n)))
            width = out
        self.layers = nn.ModuleList(layers)
        self.unit_grid = (len(widths), max(widths))
        self.out_channels = self.channels[-1]
        self.output_stride = stem_stride
        for stride in self.strides:
            self.output_stride *= stride

    # ----------------------------------------------------------------- units
    @property
    def num_layers(self) -> int:
        return len(self.widths)

    def unit_names(self) -> list[str]:
        return [f'layers.{layer}.{j}' if j < n else '' for layer, n in enumerate(self.widths)
                for j in range(self.unit_grid[1])]

    def valid_units(self) -> torch.Tensor:
        return torch.arange(self.unit_grid[1]).unsqueeze(0) < torch.tensor(self.widths).unsqueeze(1)

    def chain_parameter_count(self) -> int:
        """The stem and one node per layer: the parameters of one task's chain (every node of a layer alike)."""
        modules = [self.stem] + [layer[0] for layer in self.layers]
        return sum(p.numel() for m in modules for p in m.parameters())

    def parameter_counts(self, policy, task_names: Sequence[str]) -> dict:
        """As :meth:`GatedBackbone.parameter_counts` (a task counts the stem and its chain, the total every
        node some chain uses, once); ``single_task`` is K single-task networks of one chain each."""
        counts = super().parameter_counts(policy, task_names)
        counts['single_task'] = len(task_names) * self.chain_parameter_count()
        return counts

    def shared_parameters(self) -> list[nn.Parameter]:
        """The stem and every layer but the leaves: what more than one task's loss can reach."""
        return [*self.stem.parameters(), *(p for layer in self.layers[:-1] for p in layer.parameters())]

    # --------------------------------------------------------------- forward
    def check_parent_weights(self, weights: Sequence[torch.Tensor]) -> None:
        """Refuse parent weights that do not fit the layers: ``[N_l, N_{l−1}]`` for l = 1 .. L − 1."""
        expected = [(self.widths[layer], self.widths[layer - 1]) for layer in range(1, self.num_layers)]
        got = [tuple(w.shape) for w in weights]
        if got != expected:
            raise ValueError(f'BranchingBackbone: parent weights of shapes {got}, expected {expected} '
                             f'([N_l, N_l-1] for every layer after the first, widths {self.widths})')

    def tree_features(self, x: torch.Tensor, weights: Sequence[torch.Tensor], leaves: Sequence[int]
                      ) -> dict[int, torch.Tensor]:
        """The outputs of the requested ``leaves``: every node once, its input ``Σ_i w_{l,j,i} · y_{l−1,i}``."""
        self.check_parent_weights(weights)
        bad = [leaf for leaf in leaves if not 0 <= leaf < self.widths[-1]]
        if bad:
            raise ValueError(f'BranchingBackbone: leaves {bad} requested, the last layer has {self.widths[-1]} nodes')
        needed = [set() for _ in range(self.num_layers)]
        needed[-1] = set(leaves)
        for layer in range(self.num_layers - 1, 0, -1):
            w = weights[layer - 1]
            for j in needed[layer]:
                needed[layer - 1].update(_active_parents(w[j]))
        root = self.stem(x)
        outputs = {j: self.layers[0][j](root) for j in sorted(needed[0])}
        for layer in range(1, self.num_layers):
            w = weights[layer - 1]
            outputs = {j: self.layers[layer][j](_mix(w[j], outputs)) for j in sorted(needed[layer])}
        return outputs

    def task_features(self, x: torch.Tensor, tasks: Sequence[str], policy, compact: bool = True
                      ) -> dict[str, torch.Tensor]:
        """Leaf k for task k: the compiled tree of a fixed policy, else the tree the policy's parent weights mix.

        A policy without ``parent_weights()`` (per-task gates) runs the gated passes of the base class.
        """
        executor = self.compact_executor(policy) if compact else None
        if executor is not None:
            return executor(x, tasks)
        parent_weights = getattr(policy, 'parent_weights', None)
        if not callable(parent_weights):
            return super().task_features(x, tasks, policy, compact=False)
        leaves = {t: policy.task_index(t) for t in tasks}
        outputs = self.tree_features(x, parent_weights(), sorted(set(leaves.values())))
        return {t: outputs[leaf] for t, leaf in leaves.items()}

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        """One task's features under per-task gates (see the class docstring); ``None``: every node on."""
        self.check_gates(gates)
        x = self.stem(x)
        for layer, nodes in enumerate(self.layers):
            x = mean_of_active(nodes, x, None if gates is None else gates[layer, :len(nodes)])
        return x

    # --------------------------------------------------------------- compact
    def task_chains(self, mask: torch.Tensor, task_names: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """Each task's node per layer from a mask ``[K, L, max N_l]``; exactly one node per layer is required."""
        mask = torch.as_tensor(mask).bool().cpu().reshape(len(task_names), *self.unit_grid)
        valid = self.valid_units()
        chains = {}
        for k, task in enumerate(task_names):
            chain = []
            for layer in range(self.num_layers):
                nodes = torch.nonzero(mask[k, layer]).flatten().tolist()
                if len(nodes) != 1 or not bool(valid[layer, nodes[0]]):
                    raise ValueError(f'BranchingBackbone.compile_compact: task {task!r} has nodes {nodes} in layer '
                                     f'{layer}, expected exactly one of its {self.widths[layer]} nodes (a compiled '
                                     'tree runs one chain of nodes per task)')
                chain.append(nodes[0])
            chains[task] = tuple(chain)
        return chains

    def compile_compact(self, mask, task_names, copy_modules=True):
        """The tasks' chains as a prefix tree (:class:`~mtlreg.models.compact.sequential.CompactSequentialBackbone`):
        a node that several tasks' chains share, with everything before it, runs once per batch."""
        clone = module_cloner(copy_modules)
        tree, leaves = build_prefix_tree(self.task_chains(mask, task_names))
        units, nodes = {}, []
        for parent, layer, j in tree:
            key = f'l{layer}n{j}'
            if key not in units:
                units[key] = clone(self.layers[layer][j])
            nodes.append((parent, key))
        return CompactSequentialBackbone(clone(self.stem), units, nodes, leaves)


def _active_parents(row: torch.Tensor) -> list[int]:
    """The parents a child reads: all of them when the weights carry gradient, else those weighted non-zero."""
    if row.requires_grad:
        return list(range(row.shape[0]))
    return torch.nonzero(row).flatten().tolist()


def _mix(row: torch.Tensor, outputs: dict[int, torch.Tensor]) -> torch.Tensor:
    """``Σ_i row_i · y_i`` over the active parents; a constant weight of exactly 1 passes ``y_i`` on unchanged."""
    parents = _active_parents(row)
    if not parents:
        raise ValueError('BranchingBackbone: a needed node has no parent of non-zero weight (each row of the parent '
                         'weights must put weight on some parent)')
    if not row.requires_grad and len(parents) == 1 and float(row[parents[0]]) == 1.0:
        return outputs[parents[0]]
    return sum(row[i] * outputs[i] for i in parents)
