"""The upper-level parameters of the DAG central network: read-in A, read-out B and edges Γ per task."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import POLICIES
from .base import BasePolicy
from .graph_reduction import reduce_graph, topology_statistics


@POLICIES.register_module()
class DAGPolicy(BasePolicy):
    """Per task, sigmoid weights of every read-in, edge and read-out of a DAG central network.

    Choi & Im, "Dynamic Neural Network for Multi-Task Learning Searching
    across Diverse Network Topologies", CVPR 2023, Sec. 3. For task k the
    policy holds α^k (read-in, ``[N]``), β^k (read-out, ``[N]``) and γ^k
    (edges, ``[N, N]``, used where the flow restriction keeps an edge), all
    initialised to 0. Its gates are the merged adjacency Ψ^k over the
    ``(N+2) × (N+2)`` unit grid of :class:`~mtlreg.models.backbones.dag.DAGNetwork`:

    * warm-up: σ(0) = 0.5 on every link, constant (Sec. 3.2: A, B, Γ fixed at 0
      and frozen);
    * search: σ(α), σ(γ), σ(β) (Eq. 3–5), with the squeeze loss (Eq. 9)
      ``L_sq = Σ_k max(Σ_ij σ(γ_ij^k) − κ, 0)`` weighted by λ_sq (Eq. 8);
    * after the reduction: the binary mask, used without the sigmoid.

    :meth:`derive_mask` runs the reduction per task
    (:func:`~mtlreg.models.policies.graph_reduction.reduce_graph`: Alg. 1's
    flow-based reduction by default; ``'threshold'`` and ``'random'`` as in
    Fig. 5; ``target_sparsity`` stops at a given share of edges).

    Args:
        task_names: the tasks.
        unit_grid: ``(N + 2, N + 2)``.
        squeeze_weight: λ_sq. Defaults to 0.05.
        budget: κ, the number of edges (summed sigmoid weights) a task may use
            before the squeeze loss acts. Defaults to 0.
        reduction: default arguments of :meth:`derive_mask`. Defaults to
            ``dict(method='flow')``.
    """

    drives = ('links',)

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], squeeze_weight: float = 0.05,
                 budget: float = 0.0, reduction: dict | None = None):
        super().__init__(task_names, unit_grid)
        if len(self.unit_grid) != 2 or self.unit_grid[0] != self.unit_grid[1] or self.unit_grid[0] < 3:
            raise ValueError(f'DAGPolicy: expects the (N + 2, N + 2) grid of a DAGNetwork, got {self.unit_grid}')
        if squeeze_weight < 0 or budget < 0:
            raise ValueError(f'DAGPolicy: squeeze_weight and budget must be >= 0, got {squeeze_weight} and {budget}')
        k, n = len(self.task_names), self.unit_grid[0] - 2
        self.num_states = n
        self.read_in_logits = nn.Parameter(torch.zeros(k, n))
        self.read_out_logits = nn.Parameter(torch.zeros(k, n))
        self.edge_logits = nn.Parameter(torch.zeros(k, n, n))
        self.squeeze_weight, self.budget = squeeze_weight, budget
        self.reduction = dict(reduction or dict(method='flow'))

    # ------------------------------------------------------------- adjacency
    def edge_validity(self) -> torch.Tensor:
        """Which of Γ's ``N × N`` entries are edges of the central network."""
        n = self.num_states
        return self.valid_units[1:n + 1, 1:n + 1]

    def merged_adjacency(self, values: torch.Tensor | None = None) -> torch.Tensor:
        """Ψ for every task, ``[K, N+2, N+2]``: σ(α) in row 0, σ(γ) inside, σ(β) in column N+1; 0 elsewhere.

        ``values`` replaces the sigmoid weights by a constant (the warm-up's 0.5).
        """
        k, n = len(self.task_names), self.num_states
        psi = self.read_in_logits.new_zeros(k, n + 2, n + 2)
        if values is not None:
            return psi.masked_fill(self.valid_units, values)
        psi[:, 0, 1:n + 1] = self.read_in_logits.sigmoid()
        psi[:, 1:n + 1, 1:n + 1] = self.edge_logits.sigmoid()
        psi[:, 1:n + 1, n + 1] = self.read_out_logits.sigmoid()
        return psi * self.valid_units

    def search_probabilities(self) -> torch.Tensor:
        return self.merged_adjacency().detach()

    def policy_gates(self, task: str) -> torch.Tensor:
        return self.merged_adjacency()[self.task_index(task)]

    def warmup_gates(self, task: str) -> torch.Tensor:
        return self.merged_adjacency(values=0.5)[self.task_index(task)].detach()

    # ----------------------------------------------------------------- losses
    def squeeze_loss(self) -> torch.Tensor:
        """Eq. 9, unweighted: ``Σ_k max(Σ_ij σ(γ_ij^k) − κ, 0)`` over the central network's edges."""
        used = (self.edge_logits.sigmoid() * self.edge_validity()).sum(dim=(1, 2))
        return F.relu(used - self.budget).sum()

    def policy_regularizers(self) -> dict[str, torch.Tensor]:
        if not self.squeeze_weight:
            return {}
        return {'reg_squeeze': self.squeeze_weight * self.squeeze_loss()}

    # -------------------------------------------------------------- reduction
    def derive_mask(self, **kwargs) -> torch.Tensor:
        """Every task's binary Ψ, ``[K, N+2, N+2]``, from :func:`reduce_graph` (``kwargs`` override ``reduction``)."""
        kwargs.pop('mode', None)
        options = dict(self.reduction, **kwargs)
        seed = options.pop('seed', 0)
        psi = self.merged_adjacency().detach().cpu()
        # each task draws its own random order (seed + task index), as independent random reductions would
        masks = [reduce_graph(psi[k], self.valid_units.cpu(), seed=seed + k, **options)
                 for k in range(len(self.task_names))]
        return torch.stack(masks).to(self.valid_units.device)

    def topology(self, mask: torch.Tensor | None = None) -> dict[str, dict[str, float]]:
        """Depth, width and sparsity of every task's sub-network (Sec. 3.1); ``mask`` defaults to the discrete one."""
        mask = self.discretize() if mask is None else mask
        return {t: topology_statistics(mask[k], self.valid_units) for k, t in enumerate(self.task_names)}
