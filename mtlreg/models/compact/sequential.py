"""A compact network for backbones that are a stem followed by a sequence of skippable units (AdaShare)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .cloning import module_cloner
from .prefix_tree import build_prefix_tree, needed_nodes, requested_tasks


class CompactSequentialBackbone(nn.Module):
    """Runs each task's discrete path through a sequence of units, a shared prefix once.

    ``nodes`` lists ``(parent, unit key or None)`` in topological order: the
    node applies ``units[key]`` to its parent's output (``None``: passes it
    on, a skipped block without a projection); parent ``-1`` is the stem's
    output. ``leaves`` gives each task's last node. Only the units some task
    runs are held, so the state dict has no parameter no task uses.

    ``forward(x, tasks=None)`` returns ``{task: features}`` and computes only
    the nodes the requested tasks need (all tasks by default).
    """

    def __init__(self, stem: nn.Module, units: dict[str, nn.Module], nodes: Sequence[tuple[int, str | None]],
                 leaves: dict[str, int]):
        super().__init__()
        self.stem = stem
        self.units = nn.ModuleDict(units)
        self.nodes = [tuple(n) for n in nodes]
        self.leaves = dict(leaves)
        self.task_names = list(leaves)

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = requested_tasks(self, tasks, self.leaves)
        needed = needed_nodes(self.nodes, [self.leaves[t] for t in tasks])
        root = self.stem(x)
        outputs: dict[int, torch.Tensor] = {}
        for n, (parent, key) in enumerate(self.nodes):
            if n in needed:
                value = root if parent < 0 else outputs[parent]
                outputs[n] = value if key is None else self.units[key](value)
        return {t: root if self.leaves[t] < 0 else outputs[self.leaves[t]] for t in tasks}

    def node_label(self, node: int) -> str | None:
        """What a node runs (None: it passes its input on)."""
        return self.nodes[node][1]

    def task_parameter_count(self, task: str) -> int:
        """Parameters on a task's path: the stem and its units."""
        modules = [self.stem] + [self.units[k] for k in set(self.task_units(task))]
        return sum(p.numel() for m in modules for p in m.parameters())

    def task_units(self, task: str) -> list[str]:
        """The unit keys on a task's path, in order."""
        keys, node = [], self.leaves[task]
        while node >= 0:
            parent, key = self.nodes[node]
            if key is not None:
                keys.append(key)
            node = parent
        return keys[::-1]


def compile_sequential(backbone: nn.Module, mask: torch.Tensor, task_names: Sequence[str],
                       copy_modules: bool = True) -> CompactSequentialBackbone:
    """Compile a discrete ``mask`` ``[tasks, units]`` of a backbone with ``sequential_units()``.

    A unit on (1) runs the block; off (0) runs what the backbone's gated
    forward runs for a skipped block (its shortcut projection, or nothing).
    With ``copy_modules`` the compact network owns copies of the weights;
    without, it runs the backbone's own modules (training through it trains
    the backbone).
    """
    clone = module_cloner(copy_modules)
    stem, units = backbone.sequential_units()
    mask = torch.as_tensor(mask).bool().cpu()
    if tuple(mask.shape) != (len(task_names), len(units)):
        raise ValueError(f'compile_sequential: mask has shape {tuple(mask.shape)}, expected '
                         f'({len(task_names)}, {len(units)}) (tasks × units)')
    paths = {t: tuple(bool(v) for v in mask[k]) for k, t in enumerate(task_names)}
    tree, leaves = build_prefix_tree(paths)
    modules, nodes = {}, []
    for parent, depth, execute in tree:
        block, skip = units[depth]
        key = f'block{depth}' if execute else (f'skip{depth}' if skip is not None else None)
        if key is not None and key not in modules:
            modules[key] = clone(block if execute else skip)
        nodes.append((parent, key))
    return CompactSequentialBackbone(clone(stem), modules, nodes, leaves)
