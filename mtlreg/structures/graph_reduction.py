"""Reduction of a weighted DAG to a binary sub-graph: flow-based (Choi & Im, Alg. 1), threshold, random.

Choi & Im, "Dynamic Neural Network for Multi-Task Learning Searching across
Diverse Network Topologies", CVPR 2023, Alg. 1 and Fig. 5. Every
function works on one task's merged adjacency Ψ, an ``(N+2) × (N+2)`` tensor
whose parts :class:`~mtlreg.structures.dag_grid.DAGGrid` names: node 0 is the
input state v0, nodes 1..N the hidden states, node N+1 the read-out. ``Ψ[0, i]``
is the read-in weight σ(α_i), ``Ψ[i, j]`` (i < j) the edge weight σ(γ_ij) and
``Ψ[i, N+1]`` the read-out weight σ(β_i). ``valid`` marks the entries that exist
in the central network (the flow restriction removes the others). Choices the
paper leaves open are explained in docs/methods/dag_network.md; each is a named
argument here.

The reduction lives in ``mtlreg.structures`` rather than with the policies: it
is a pure function of a tensor on the DAG grid (torch only, no parameters and
no modules), which the DAG policy calls to discretise itself and which
analyses and reports can call on any stored Ψ without building a model.
"""
from __future__ import annotations

import torch

from .dag_grid import DAGGrid

#: Reduction methods: Alg. 1's information flow, the smallest weight first, a random order (Fig. 5).
REDUCTION_METHODS = ('flow', 'threshold', 'random')


def is_reachable(adjacency: torch.Tensor, source: int = 0, target: int | None = None) -> bool:
    """Whether ``target`` (default: the last node) is reachable from ``source`` along non-zero entries (DFS)."""
    adj = adjacency.detach().cpu() != 0
    target = adj.shape[0] - 1 if target is None else target
    seen, stack = {source}, [source]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        for nxt in torch.nonzero(adj[node]).flatten().tolist():
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def on_some_path(adjacency: torch.Tensor) -> torch.Tensor:
    """The boolean mask of entries that lie on a path from node 0 to the last node."""
    adj = adjacency.detach().cpu() != 0
    n = adj.shape[0]

    def closure(matrix: torch.Tensor, start: int) -> torch.Tensor:
        reach = torch.zeros(n, dtype=torch.bool)
        reach[start] = True
        stack = [start]
        while stack:
            node = stack.pop()
            for nxt in torch.nonzero(matrix[node]).flatten().tolist():
                if not reach[nxt]:
                    reach[nxt] = True
                    stack.append(nxt)
        return reach

    forward, backward = closure(adj, 0), closure(adj.t(), n - 1)
    return adj & forward[:, None] & backward[None, :]


def flow_scores(psi: torch.Tensor, boundary_ratio: float = 1.0) -> torch.Tensor:
    """Alg. 1, line 11: the information flow through every non-zero entry of Ψ.

    ``S[i, j] = ψ_ij · (in(i) / (In_i · out(i)) + out(j) / (Out_j · in(j)))``
    with ``in``/``out`` a node's summed incoming/outgoing weights and
    ``In``/``Out`` its in-/out-degree (non-zero entries). The input node has no
    incoming and the read-out node no outgoing entries (0/0 in the printed
    formula): their ratio is ``boundary_ratio`` (1, the ratio of a node whose
    in-flow equals its out-flow through one edge each). A hidden node without
    incoming or outgoing entries contributes 0 (it carries nothing to the
    output), so edges into dead ends and out of unreachable nodes go first.
    """
    psi = psi.detach().double()
    nonzero = psi != 0
    inflow, outflow = psi.sum(0), psi.sum(1)
    in_deg, out_deg = nonzero.sum(0).double(), nonzero.sum(1).double()
    last = psi.shape[0] - 1

    def ratio(num: torch.Tensor, degree: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
        ok = (degree > 0) & (den > 0)
        return torch.where(ok, num / (degree * den).clamp_min(1e-300), torch.zeros_like(num))

    source_term = ratio(inflow, in_deg, outflow)      # per source node i
    target_term = ratio(outflow, out_deg, inflow)     # per target node j
    source_term[0] = boundary_ratio
    target_term[last] = boundary_ratio
    scores = psi * (source_term[:, None] + target_term[None, :])
    return torch.where(nonzero, scores, torch.zeros_like(scores))


def restrict_range(psi: torch.Tensor, inclusive_end: bool = True) -> torch.Tensor:
    """Alg. 1, lines 3–7: keep the hidden states from argmax A to N_β = max(N_α + 1, argmax B).

    With 0-based hidden-state indices ``N_α = argmax(A)`` and
    ``N_β = max(N_α + 1, argmax(B))`` (capped at N − 1), the edges out of
    states before ``N_α`` and into states after ``N_β`` are removed, and only
    the states in the range keep their read-in and read-out. The printed slices
    ``A[N_α:N_β]``, ``B[N_α:N_β]``, ``Γ[:, N_β:] ← 0`` exclude state ``N_β``
    itself — the state the read-out weights favour most; ``inclusive_end=True``
    (the default) keeps it, ``False`` follows the printed slices.
    """
    grid = DAGGrid.of(psi)
    n = grid.num_states
    out = psi.clone()
    n_alpha = int(torch.argmax(grid.read_in(psi)))
    n_beta = min(max(n_alpha + 1, int(torch.argmax(grid.read_out(psi)))), n - 1)
    end = n_beta + 1 if inclusive_end else n_beta
    end = max(end, n_alpha + 1)  # at least state N_α survives
    keep = torch.zeros(grid.size, dtype=torch.bool)
    keep[grid.input_node] = keep[grid.output_node] = True
    keep[list(grid.hidden_nodes[n_alpha:end])] = True  # the states with 0-based index N_α .. end − 1
    out[~keep, :] = 0
    out[:, ~keep] = 0
    return out


def reduce_graph(psi: torch.Tensor, valid: torch.Tensor | None = None, method: str = 'flow',
                 target_sparsity: float | None = None, seed: int = 0, restrict: bool = True,
                 inclusive_end: bool = True, prune_dangling: bool = True,
                 boundary_ratio: float = 1.0) -> torch.Tensor:
    """One task's binary sub-graph from its merged adjacency Ψ (Alg. 1 and the Fig. 5 alternatives).

    1. ``restrict`` keeps the range of states chosen by the read-in and
       read-out weights (:func:`restrict_range`).
    2. Entries are removed one at a time, lowest score first: the information
       flow of :func:`flow_scores` recomputed after every removal
       (``'flow'``), the weight itself (``'threshold'``), or a seeded random
       order (``'random'``). Without ``target_sparsity`` the reduction stops at
       the first removal that would disconnect the read-out from the input
       (the paper's stopping rule) and keeps the graph before it. With a
       target, an entry whose removal would disconnect the graph is kept and
       the next one tried, until the share of surviving hidden-to-hidden edges
       ``|E_s| / |E|`` is at most the target or nothing more can go.
    3. ``prune_dangling`` drops the surviving entries that lie on no path from
       the input to the read-out (dead ends and unreachable branches).

    The output is always reachable when the input was. Returns the boolean
    ``(N+2) × (N+2)`` mask.
    """
    if method not in REDUCTION_METHODS:
        raise ValueError(f'reduce_graph: method must be one of {REDUCTION_METHODS}, got {method!r}')
    if psi.dim() != 2 or psi.shape[0] != psi.shape[1] or psi.shape[0] < 3:
        raise ValueError(f'reduce_graph: Ψ must be a square matrix over N + 2 >= 3 nodes, got {tuple(psi.shape)}')
    if target_sparsity is not None and not 0.0 <= target_sparsity <= 1.0:
        raise ValueError(f'reduce_graph: target_sparsity must lie in [0, 1], got {target_sparsity}')
    psi = psi.detach().double().cpu().clone()
    valid = torch.ones_like(psi, dtype=torch.bool) if valid is None else valid.cpu().bool()
    psi = torch.where(valid, psi, torch.zeros_like(psi)).triu(1)
    if not is_reachable(psi):
        raise ValueError('reduce_graph: the read-out is not reachable from the input in Ψ')
    if restrict:
        psi = restrict_range(psi, inclusive_end)
    hidden = DAGGrid.of(psi).hidden_mask()
    total_edges = int((valid & hidden).sum())
    generator = torch.Generator().manual_seed(seed)
    random_keys = torch.rand(psi.shape, generator=generator, dtype=torch.float64)
    blocked = torch.zeros_like(valid)  # entries whose removal disconnects the graph (target mode)

    def sparsity(matrix: torch.Tensor) -> float:  # of the graph that will be returned
        kept = on_some_path(matrix) if prune_dangling else matrix != 0
        return int((kept & hidden).sum()) / max(total_edges, 1)

    while True:
        if target_sparsity is not None and sparsity(psi) <= target_sparsity:
            break
        if method == 'flow':
            scores = flow_scores(psi, boundary_ratio)
        elif method == 'threshold':
            scores = psi.clone()
        else:
            scores = torch.where(psi != 0, random_keys + 1.0, torch.zeros_like(psi))
        candidates = (psi != 0) & ~blocked
        if not bool(candidates.any()):
            break
        scores = torch.where(candidates, scores, torch.full_like(scores, float('inf')))
        flat = int(torch.argmin(scores))
        i, j = divmod(flat, psi.shape[1])
        trial = psi.clone()
        trial[i, j] = 0
        if is_reachable(trial):
            psi = trial
        elif target_sparsity is None:
            break
        else:
            blocked[i, j] = True
    mask = psi != 0
    if prune_dangling:
        mask = on_some_path(mask)
    return mask


def topology_statistics(mask: torch.Tensor, valid: torch.Tensor) -> dict[str, float]:
    """Depth D, width W and sparsity S of one task's sub-network (Sec. 3.1), from its binary Ψ mask.

    Over the hidden-to-hidden edges ``e_ij`` (the layers; read-in and read-out
    are links, not layers): ``D`` is the number of edges on the longest path
    between two hidden states, ``W`` the largest out-degree of a hidden state,
    ``S = |E_s| / |E|`` the share of the central network's edges the task keeps.
    """
    grid = DAGGrid.of(mask)
    n = grid.num_states
    edges = grid.adjacency(mask.cpu().bool() & valid.cpu().bool())
    longest = [0] * n  # longest path (in edges) ending at each state; states are topologically sorted
    for j in range(n):
        for i in torch.nonzero(edges[:, j]).flatten().tolist():
            longest[j] = max(longest[j], longest[i] + 1)
    total = int(grid.adjacency(valid.cpu().bool()).sum())
    return dict(depth=float(max(longest, default=0)), width=float(edges.sum(1).max()) if n else 0.0,
                sparsity=int(edges.sum()) / max(total, 1), edges=float(edges.sum()))
