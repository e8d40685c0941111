"""A compact network for reduced DAG sub-networks: every distinct state computed once, only surviving links."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from mtlreg.structures.dag_grid import DAGGrid
from .cloning import module_cloner
from .prefix_tree import requested_tasks


class CompactDAGBackbone(nn.Module):
    """Runs the tasks' binary sub-graphs of a DAG central network, sharing every identical state.

    A state node is one hidden state as some tasks compute it: ``(state,
    terms)`` with terms ``('in',)`` (the read-in) or ``('edge', source
    node)``; its value is the mean of its terms (zeros without any), as
    ``DAGNetwork`` computes it. Tasks whose links into a state and whose
    source states agree share the node, so the read-ins, edges and read-outs
    on it run once per batch. Each task's output is the sum of its read-outs.
    Only the links some task keeps are held.
    """

    def __init__(self, read_in: dict[str, nn.Module], edges: dict[str, nn.Module], read_out: dict[str, nn.Module],
                 nodes: Sequence[tuple[int, tuple]], outputs: dict[str, list[int]], channels: Sequence[int],
                 strides: Sequence[int], read_out_channels: int, read_out_stride: int):
        super().__init__()
        self.read_in = nn.ModuleDict(read_in)
        self.edges = nn.ModuleDict(edges)
        self.read_out = nn.ModuleDict(read_out)
        self.nodes = [(int(state), tuple(tuple(t) for t in terms)) for state, terms in nodes]
        self.outputs = {t: [int(n) for n in ns] for t, ns in outputs.items()}
        self.channels, self.strides = list(channels), list(strides)
        self.read_out_channels, self.read_out_stride = read_out_channels, read_out_stride
        self.task_names = list(outputs)

    def _size(self, x: torch.Tensor, stride: int) -> tuple[int, int]:
        return tuple(math.ceil(s / stride) for s in x.shape[-2:])

    def needed(self, tasks: Sequence[str]) -> set[int]:
        """The state nodes the tasks' outputs depend on."""
        stack = [n for t in tasks for n in self.outputs[t]]
        seen = set()
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(term[1] for term in self.nodes[n][1] if term[0] == 'edge')
        return seen

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = requested_tasks(self, tasks, self.outputs)
        needed = self.needed(tasks)
        values: dict[int, torch.Tensor] = {}
        for n, (state, terms) in enumerate(self.nodes):
            if n not in needed:
                continue
            size = self._size(x, self.strides[state - 1])
            parts = []
            for term in terms:
                if term[0] == 'in':
                    parts.append(self.read_in[str(state)](x, size))
                else:
                    source = term[1]
                    parts.append(self.edges[f'{self.nodes[source][0]}_{state}'](values[source]))
            values[n] = (sum(parts) / len(parts) if parts
                         else x.new_zeros(x.shape[0], self.channels[state - 1], *size))
        size = self._size(x, self.read_out_stride)
        result = {}
        for t in tasks:
            outs = [self.read_out[str(self.nodes[n][0])](values[n], size) for n in self.outputs[t]]
            result[t] = sum(outs) if outs else x.new_zeros(x.shape[0], self.read_out_channels, *size)
        return result

    def node_label(self, node: int) -> str:
        state, terms = self.nodes[node]
        inputs = ['in' if term[0] == 'in' else f'v{self.nodes[term[1]][0]}' for term in terms]
        return f'v{state}<' + ('+'.join(inputs) or '0')

    def task_units(self, task: str) -> list[str]:
        """The module names of the read-ins, edges and read-outs a task runs."""
        keys = [f'read_out.{self.nodes[n][0]}' for n in self.outputs[task]]
        for n in self.needed([task]):
            state, terms = self.nodes[n]
            keys += [f'read_in.{state}' if term[0] == 'in' else f'edges.{self.nodes[term[1]][0]}_{state}'
                     for term in terms]
        return sorted(set(keys))

    def task_parameter_count(self, task: str) -> int:
        return sum(p.numel() for key in self.task_units(task) for p in self.get_submodule(key).parameters())


def compile_dag(backbone: nn.Module, mask: torch.Tensor, task_names: Sequence[str],
                copy_modules: bool = True) -> CompactDAGBackbone:
    """Compile binary merged adjacencies ``[tasks, N+2, N+2]`` of a backbone with ``graph_units()``.

    ``copy_modules=False`` runs the backbone's own modules instead of copies.
    """
    clone = module_cloner(copy_modules)
    units = backbone.graph_units()
    grid = DAGGrid(len(units['channels']))
    mask = torch.as_tensor(mask).bool().cpu()
    grid.check(mask, (len(task_names),), owner='compile_dag')  # tasks × merged adjacency
    nodes: list[tuple[int, tuple]] = []
    index: dict[tuple, int] = {}
    outputs = {}
    used = {'read_in': set(), 'edges': set(), 'read_out': set()}

    def state_node(k: int, j: int, memo: dict) -> int:
        """The node of state j as task k computes it (its sources first)."""
        if j in memo:
            return memo[j]
        terms = []
        if mask[k, grid.input_node, j]:
            terms.append(('in',))
            used['read_in'].add(str(j))
        for i in grid.predecessors(j):
            if mask[k, i, j]:
                terms.append(('edge', state_node(k, i, memo)))
                used['edges'].add(f'{i}_{j}')
        key = (j, tuple(terms))
        if key not in index:
            index[key] = len(nodes)
            nodes.append(key)
        memo[j] = index[key]
        return memo[j]

    for k, task in enumerate(task_names):
        memo: dict[int, int] = {}
        read_out = grid.read_out_states(mask[k])
        outputs[task] = [state_node(k, i, memo) for i in read_out]
        used['read_out'].update(str(i) for i in read_out)
    modules = {kind: {key: clone(units[kind][key]) for key in sorted(keys)} for kind, keys in used.items()}
    return CompactDAGBackbone(modules['read_in'], modules['edges'], modules['read_out'], nodes, outputs,
                              units['channels'], units['strides'], units['read_out_channels'],
                              units['read_out_stride'])
