"""The unit grid of a DAG central network: one task's merged adjacency Ψ over N + 2 nodes.

Choi & Im, "Dynamic Neural Network for Multi-Task Learning Searching across
Diverse Network Topologies", CVPR 2023, Sec. 3.1 and Alg. 1. Node 0 is the
input state v0, nodes 1..N the hidden states in topological order and node
N+1 the read-out state. On the ``(N+2) × (N+2)`` grid

* row 0, columns 1..N hold the read-in weights (σ(α), the links v0 → v_j);
* the block rows 1..N × columns 1..N holds the edges γ (``Ψ[i, j]``, i < j);
* column N+1, rows 1..N holds the read-out weights (σ(β), the links v_i → v_L);

every other entry is never a link. :class:`DAGGrid` names these parts so that
the backbone, the policy, the reduction, the compiler and the reports read
and write the grid through one description. Every accessor takes a grid with
any leading dimensions (``[..., N+2, N+2]``, e.g. ``[K, N+2, N+2]`` for K
tasks) and returns views, not copies.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import torch


class DAGParts(NamedTuple):
    """A grid split into its links: read-in ``[..., N]``, adjacency ``[..., N, N]``, read-out ``[..., N]``.

    Hidden state ``i`` (1-based on the grid) is index ``i − 1`` of every part.
    """

    read_in: torch.Tensor
    adjacency: torch.Tensor
    read_out: torch.Tensor


class DAGGrid:
    """The ``(N+2) × (N+2)`` grid of a central network of N hidden states.

    Args:
        num_states: N, the number of hidden states (at least 1).
    """

    #: the input state v0
    input_node = 0

    def __init__(self, num_states: int):
        if int(num_states) < 1:
            raise ValueError(f'DAGGrid: needs at least one hidden state, got num_states={num_states}')
        self.num_states = int(num_states)

    @classmethod
    def of(cls, grid: torch.Tensor | Sequence[int]) -> DAGGrid:
        """The grid of a tensor ``[..., N+2, N+2]`` or of a grid shape ``(N+2, N+2)``."""
        shape = tuple(grid.shape) if hasattr(grid, 'shape') else tuple(grid)
        if len(shape) < 2 or shape[-1] != shape[-2] or shape[-1] < 3:
            raise ValueError(f'DAGGrid: expected a square grid over N + 2 >= 3 nodes, got shape {shape}')
        return cls(shape[-1] - 2)

    def __repr__(self) -> str:
        return f'DAGGrid(num_states={self.num_states})'

    def __eq__(self, other) -> bool:
        return isinstance(other, DAGGrid) and other.num_states == self.num_states

    def __hash__(self) -> int:
        return hash((DAGGrid, self.num_states))

    # ------------------------------------------------------------------ nodes
    @property
    def size(self) -> int:
        """N + 2, the number of nodes."""
        return self.num_states + 2

    @property
    def shape(self) -> tuple[int, int]:
        """``(N + 2, N + 2)``, the unit grid of the backbone and the policy."""
        return (self.size, self.size)

    @property
    def output_node(self) -> int:
        """N + 1, the read-out state v_L."""
        return self.num_states + 1

    @property
    def hidden_nodes(self) -> range:
        """The hidden states 1..N, in topological order."""
        return range(1, self.num_states + 1)

    @property
    def _hidden(self) -> slice:
        return slice(1, self.num_states + 1)

    def predecessors(self, j: int, flow_constant: int | None = None) -> range:
        """The hidden states ``i`` that may have an edge into hidden state ``j``: ``0 < j − i ≤ M``.

        ``flow_constant=None`` is the complete DAG (every earlier hidden state).
        """
        first = 1 if flow_constant is None else max(1, j - flow_constant)
        return range(first, j)

    def link_kind(self, i: int, j: int) -> str | None:
        """``'read_in'``, ``'edge'`` or ``'read_out'`` for grid entry ``(i, j)``; None where no link can be."""
        hidden = self.hidden_nodes
        if i == self.input_node and j in hidden:
            return 'read_in'
        if i in hidden and j == self.output_node:
            return 'read_out'
        if i in hidden and j in hidden and i < j:
            return 'edge'
        return None

    # ------------------------------------------------------------------ views
    def check(self, grid: torch.Tensor, leading: Sequence[int] | None = None, owner: str = 'DAGGrid') -> None:
        """Fail, naming ``owner``, unless ``grid`` is ``[*leading, N+2, N+2]`` (any leading dims when None)."""
        shape = tuple(grid.shape)
        if leading is None:
            ok = len(shape) >= 2 and shape[-2:] == self.shape
            expected = f'[..., {self.size}, {self.size}]'
        else:
            ok = shape == (*tuple(leading), *self.shape)
            expected = str((*tuple(leading), *self.shape))
        if not ok:
            raise ValueError(f'{owner}: grid has shape {shape}, expected {expected} '
                             f'(the merged adjacency of {self.num_states} hidden states)')

    def read_in(self, grid: torch.Tensor) -> torch.Tensor:
        """Row 0 over the hidden states, ``[..., N]``: the links v0 → v_j."""
        return grid[..., self.input_node, self._hidden]

    def adjacency(self, grid: torch.Tensor) -> torch.Tensor:
        """The hidden-to-hidden block, ``[..., N, N]``: the edges v_i → v_j."""
        return grid[..., self._hidden, self._hidden]

    def read_out(self, grid: torch.Tensor) -> torch.Tensor:
        """Column N+1 over the hidden states, ``[..., N]``: the links v_i → v_L."""
        return grid[..., self._hidden, self.output_node]

    def decompose(self, grid: torch.Tensor) -> DAGParts:
        """The read-in, adjacency and read-out of ``grid`` (views)."""
        self.check(grid)
        return DAGParts(self.read_in(grid), self.adjacency(grid), self.read_out(grid))

    def compose(self, read_in: torch.Tensor, adjacency: torch.Tensor, read_out: torch.Tensor) -> torch.Tensor:
        """A grid ``[..., N+2, N+2]`` with the parts in place and zeros everywhere else.

        The leading dimensions and the dtype are those of ``read_in``; the adjacency is copied as a whole
        block (entries on and below its diagonal included), so mask it with :meth:`valid_mask`.
        """
        n = self.num_states
        lead = tuple(read_in.shape[:-1])
        if (tuple(read_in.shape) != (*lead, n) or tuple(read_out.shape) != (*lead, n)
                or tuple(adjacency.shape) != (*lead, n, n)):
            raise ValueError(f'DAGGrid.compose: expected read_in and read_out [..., {n}] and adjacency '
                             f'[..., {n}, {n}] with the same leading dims, got {tuple(read_in.shape)}, '
                             f'{tuple(adjacency.shape)} and {tuple(read_out.shape)}')
        grid = read_in.new_zeros(*lead, self.size, self.size)
        grid[..., self.input_node, self._hidden] = read_in
        grid[..., self._hidden, self._hidden] = adjacency
        grid[..., self._hidden, self.output_node] = read_out
        return grid

    def per_task(self, masks: torch.Tensor, task_names: Sequence[str]) -> dict[str, DAGParts]:
        """Each task's parts of a ``[K, N+2, N+2]`` grid, ``{task: DAGParts}`` in task order."""
        self.check(masks, (len(task_names),))
        return {task: self.decompose(masks[k]) for k, task in enumerate(task_names)}

    def read_in_states(self, grid: torch.Tensor) -> list[int]:
        """The hidden states (grid indices) whose read-in is non-zero in one task's grid."""
        return [j for j in self.hidden_nodes if bool(grid[self.input_node, j])]

    def read_out_states(self, grid: torch.Tensor) -> list[int]:
        """The hidden states (grid indices) whose read-out is non-zero in one task's grid."""
        return [i for i in self.hidden_nodes if bool(grid[i, self.output_node])]

    # ------------------------------------------------------------------ masks
    def empty(self, dtype: torch.dtype = torch.bool) -> torch.Tensor:
        """An all-zero ``(N+2) × (N+2)`` grid."""
        return torch.zeros(self.shape, dtype=dtype)

    def hidden_mask(self) -> torch.Tensor:
        """The boolean grid that is True on the whole hidden-to-hidden block."""
        mask = self.empty()
        mask[self._hidden, self._hidden] = True
        return mask

    def flow_restricted_edges(self, flow_constant: int) -> list[tuple[int, int]]:
        """The edges ``(i, j)`` between hidden states with ``0 < j − i ≤ M`` (Sec. 3.1, the flow restriction).

        ``M ≥ N − 1`` gives the complete DAG, N(N−1)/2 edges; otherwise there are
        ``Σ_{d=1..M} (N − d)``, i.e. O(N·M). The edges are sorted by source state, then target
        state (the order the backbone builds them in).
        """
        if flow_constant < 1:
            raise ValueError(f'DAGGrid.flow_restricted_edges: need flow_constant >= 1, got {flow_constant}')
        n = self.num_states
        return [(i, j) for i in self.hidden_nodes for j in range(i + 1, min(i + flow_constant, n) + 1)]

    def valid_mask(self, flow_constant: int | None = None) -> torch.Tensor:
        """The boolean grid of the entries that are links: every read-in and read-out, the restricted edges.

        ``flow_constant=None`` keeps every edge ``i < j`` (the complete DAG).
        """
        n = self.num_states
        valid = self.empty()
        valid[self.input_node, self._hidden] = True
        valid[self._hidden, self.output_node] = True
        edges = self.flow_restricted_edges(max(n - 1, 1) if flow_constant is None else flow_constant)
        for i, j in edges:
            valid[i, j] = True
        return valid


def flow_restricted_edges(num_states: int, flow_constant: int) -> list[tuple[int, int]]:
    """The edges of N hidden states under the flow restriction M (:meth:`DAGGrid.flow_restricted_edges`)."""
    if num_states < 1 or flow_constant < 1:
        raise ValueError(f'flow_restricted_edges: need num_states >= 1 and flow_constant >= 1, '
                         f'got {num_states} and {flow_constant}')
    return DAGGrid(num_states).flow_restricted_edges(flow_constant)


def merged_validity(num_states: int, flow_constant: int) -> torch.Tensor:
    """The boolean ``(N+2) × (N+2)`` mask of Ψ's entries that exist (:meth:`DAGGrid.valid_mask`)."""
    return DAGGrid(num_states).valid_mask(flow_constant)
