"""The upper-level parameters of the DAG central network: read-in A, read-out B and edges Γ per task."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import POLICIES
from mtlreg.structures.dag_grid import DAGGrid
from mtlreg.structures.graph_reduction import reduce_graph, topology_statistics
from mtlreg.structures.policy_report import PolicyReport, ReportFigure
from .base import BasePolicy


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
    (:func:`~mtlreg.structures.graph_reduction.reduce_graph`: Alg. 1's
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

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(5, 5))

    drives = ('links',)

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], squeeze_weight: float = 0.05,
                 budget: float = 0.0, reduction: dict | None = None):
        super().__init__(task_names, unit_grid)
        if len(self.unit_grid) != 2 or self.unit_grid[0] != self.unit_grid[1] or self.unit_grid[0] < 3:
            raise ValueError(f'DAGPolicy: expects the (N + 2, N + 2) grid of a DAGNetwork, got {self.unit_grid}')
        if squeeze_weight < 0 or budget < 0:
            raise ValueError(f'DAGPolicy: squeeze_weight and budget must be >= 0, got {squeeze_weight} and {budget}')
        self.dag_grid = DAGGrid.of(self.unit_grid)
        k, n = len(self.task_names), self.dag_grid.num_states
        self.num_states = n
        self.read_in_logits = nn.Parameter(torch.zeros(k, n))
        self.read_out_logits = nn.Parameter(torch.zeros(k, n))
        self.edge_logits = nn.Parameter(torch.zeros(k, n, n))
        self.squeeze_weight, self.budget = squeeze_weight, budget
        self.reduction = dict(reduction or dict(method='flow'))

    # ------------------------------------------------------------- adjacency
    def edge_validity(self) -> torch.Tensor:
        """Which of Γ's ``N × N`` entries are edges of the central network."""
        return self.dag_grid.adjacency(self.valid_units)

    def merged_adjacency(self, values: torch.Tensor | None = None) -> torch.Tensor:
        """Ψ for every task, ``[K, N+2, N+2]``: σ(α) in row 0, σ(γ) inside, σ(β) in column N+1; 0 elsewhere.

        ``values`` replaces the sigmoid weights by a constant (the warm-up's 0.5).
        """
        if values is not None:
            psi = self.read_in_logits.new_zeros(len(self.task_names), *self.dag_grid.shape)
            return psi.masked_fill(self.valid_units, values)
        psi = self.dag_grid.compose(self.read_in_logits.sigmoid(), self.edge_logits.sigmoid(),
                                    self.read_out_logits.sigmoid())
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

    # ----------------------------------------------------------------- report
    def report(self) -> PolicyReport:
        """Every task's discrete sub-network (Choi & Im, Sec. 3.1, Fig. 3), in a report called ``topology``.

        ``record['tasks'][task]`` holds the binary adjacency Γ̂ (``N × N``), read-in Â and read-out
        B̂ (``N`` each) of the discrete mask, the depth D, width W and sparsity S (:meth:`topology`)
        and the number of edges. Scalars: ``topology/<task>/{depth,width,sparsity}``. Figures: each
        task's sub-graph (``<task>``, kind ``'task_graph'``, tag ``topology_<task>``) and all of them
        in one adjacency coloured by task (``shared_adjacency``, kind ``'shared_adjacency'``, tag
        ``topology_shared_adjacency``). The table has one row per task.
        """
        mask = self.discretize().cpu()
        stats = self.topology(mask)
        masks = mask.numpy()
        tasks, scalars, table = {}, {}, {}
        figures = {'shared_adjacency': ReportFigure('shared_adjacency', dict(masks=masks, task_names=self.task_names),
                                                    title='discrete sub-networks', tag='topology_shared_adjacency')}
        for k, (task, parts) in enumerate(self.dag_grid.per_task(mask, self.task_names).items()):
            s = stats[task]
            tasks[task] = dict(adjacency=parts.adjacency.int().tolist(), read_in=parts.read_in.int().tolist(),
                               read_out=parts.read_out.int().tolist(), depth=s['depth'], width=s['width'],
                               sparsity=s['sparsity'], edges=int(s['edges']))
            scalars.update({f'topology/{task}/{key}': s[key] for key in ('depth', 'width', 'sparsity')})
            figures[task] = ReportFigure('task_graph', dict(mask=masks[k]), tag=f'topology_{task}',
                                         title=f"{task}: D={s['depth']:.0f}, W={s['width']:.0f}, "
                                               f"S={s['sparsity']:.3f}")
            table[task] = {'D': f"{s['depth']:.0f}", 'W': f"{s['width']:.0f}", 'S': f"{s['sparsity']:.3f}",
                           'edges': f"{s['edges']:.0f}"}
        return PolicyReport('topology', record={'tasks': tasks}, scalars=scalars, figures=figures,
                            title='DAG sub-networks', table=table)
