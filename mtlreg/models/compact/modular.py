"""A compact network for modular layers (Gumbel-Matrix): only active components, each once per distinct input."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .cloning import module_cloner
from .fused_components import fusion_signature, run_fused
from .prefix_tree import build_prefix_tree, needed_nodes, requested_tasks


class CompactModularBackbone(nn.Module):
    """Runs each task's allocation through modular layers; a component runs once per distinct input.

    ``nodes`` lists ``(parent, layer, active components)`` in topological
    order: the node's output is ``after_l(mean of the active components of
    layer l on the parent's output)``, as ``ModularNetwork`` computes it (no
    active component: zeros of the layer's shape). Tasks whose allocations
    agree up to a layer share its node; children of one node that use the
    same component share its evaluation. Only components some task uses are
    held (component 0 of a layer also where a task uses none of them: it
    gives the zeros their shape, as in the supernet). With ``fuse=True`` the
    components one input feeds run as one wide layer where they have the same
    form (:mod:`mtlreg.models.compact.fused_components`).
    """

    def __init__(self, stem: nn.Module | None, components: dict[str, nn.Module], after: dict[str, nn.Module],
                 nodes: Sequence[tuple[int, int, tuple[int, ...]]], leaves: dict[str, int], fuse: bool = True):
        super().__init__()
        self.stem = stem
        self.components = nn.ModuleDict(components)
        self.after = nn.ModuleDict(after)
        self.nodes = [(int(p), int(layer), tuple(active)) for p, layer, active in nodes]
        self.leaves = dict(leaves)
        self.task_names = list(leaves)
        self.fuse = fuse
        self.signatures = {key: fusion_signature(module) for key, module in self.components.items()}
        self.children_of: dict[int, list[int]] = {}  # the nodes reading each node's output (-1: the stem's)
        for n, (parent, _, _) in enumerate(self.nodes):
            self.children_of.setdefault(parent, []).append(n)

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = requested_tasks(self, tasks, self.leaves)
        needed = needed_nodes(self.nodes, [self.leaves[t] for t in tasks])
        root = x if self.stem is None else self.stem(x)
        outputs: dict[int, torch.Tensor] = {}
        evaluated: dict[tuple[int, int], torch.Tensor] = {}
        for n, (parent, layer, active) in enumerate(self.nodes):
            if n not in needed:
                continue
            value = root if parent < 0 else outputs[parent]
            if (parent, (active or (0,))[0]) not in evaluated:
                # every component that any needed child of this input uses, at once
                wanted = sorted({j for m in self.children_of[parent] if m in needed for j in self.nodes[m][2] or (0,)})
                self._evaluate(value, parent, layer, wanted, evaluated)
            if active:
                mixed = sum(evaluated[(parent, j)] for j in active) / len(active)
            else:
                mixed = evaluated[(parent, 0)].detach() * 0.0
            outputs[n] = self.after[f'l{layer}'](mixed)
        return {t: root if self.leaves[t] < 0 else outputs[self.leaves[t]] for t in tasks}

    def _evaluate(self, value, parent: int, layer: int, wanted: list[int], evaluated: dict) -> None:
        groups: dict[tuple, list[int]] = {}
        for j in wanted:
            signature = self.signatures[f'l{layer}c{j}'] if self.fuse else None
            groups.setdefault(signature if signature is not None else ('alone', j), []).append(j)
        for members in groups.values():
            if len(members) > 1:
                results = run_fused([self.components[f'l{layer}c{j}'] for j in members], value)
            else:
                results = [self.components[f'l{layer}c{members[0]}'](value)]
            for j, result in zip(members, results):
                evaluated[(parent, j)] = result

    def node_label(self, node: int) -> str:
        """The layer and the active components of a node."""
        _, layer, active = self.nodes[node]
        return f'l{layer}:' + (','.join(map(str, active)) or '-')

    def task_parameter_count(self, task: str) -> int:
        """Parameters on a task's path: the stem, its components and each layer's norm."""
        layers = {int(k[1:k.index('c')]) for k in self.task_units(task)}
        modules = ([self.stem] if self.stem is not None else []) + [
            self.components[k] for k in set(self.task_units(task))] + [self.after[f'l{i}'] for i in layers]
        return sum(p.numel() for m in modules for p in m.parameters())

    def task_units(self, task: str) -> list[str]:
        """The component keys on a task's path, layer by layer."""
        keys, node = [], self.leaves[task]
        while node >= 0:
            parent, layer, active = self.nodes[node]
            keys = [f'l{layer}c{j}' for j in (active or (0,))] + keys
            node = parent
        return keys


def compile_modular(backbone: nn.Module, mask: torch.Tensor, task_names: Sequence[str],
                    copy_modules: bool = True) -> CompactModularBackbone:
    """Compile a discrete allocation ``[tasks, layers, components]`` of a backbone with ``layered_units()``.

    ``copy_modules=False`` runs the backbone's own modules instead of copies.
    """
    clone = module_cloner(copy_modules)
    stem, layers = backbone.layered_units()
    width = len(layers[0][0]) if layers else 0
    mask = torch.as_tensor(mask).bool().cpu().reshape(len(task_names), -1)
    if mask.shape[1] != len(layers) * width:
        raise ValueError(f'compile_modular: mask has {mask.shape[1]} entries per task, expected '
                         f'{len(layers)} layers × {width} components')
    mask = mask.reshape(len(task_names), len(layers), width)
    paths = {t: tuple(tuple(int(j) for j in torch.nonzero(mask[k, i]).flatten()) for i in range(len(layers)))
             for k, t in enumerate(task_names)}
    tree, leaves = build_prefix_tree(paths)
    components, after, nodes = {}, {}, []
    for parent, layer, active in tree:
        for j in active or (0,):
            if f'l{layer}c{j}' not in components:
                components[f'l{layer}c{j}'] = clone(layers[layer][0][j])
        if f'l{layer}' not in after:
            after[f'l{layer}'] = clone(layers[layer][1])
        nodes.append((parent, layer, active))
    return CompactModularBackbone(None if stem is None else clone(stem), components, after, nodes, leaves)
