"""MoDo: multi-objective gradient with double sampling (Chen, Fernando, Ying & Chen, "Three-Way Trade-Off in
Multi-Objective Learning: Optimization, Generalization and Conflict-Avoidance", NeurIPS 2023; JMLR 2024)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .double_sampling import DoubleSamplingBalancer
from .jacobian_balancer import torchjd_aggregation


@BALANCERS.register_module()
class MoDoBalancer(DoubleSamplingBalancer):
    """``λ ← Π_Δ(λ − γ (J_1 J_2ᵀ λ + ρ λ))`` (Eq. 2.9a), the update ``λᵀ (J_1 + J_2) / 2`` (Eq. 2.9b).

    The task weights λ live on the simplex and take one projected gradient step per training step on the
    MGDA objective ``½‖Jᵀλ‖² + ½ρ‖λ‖²``, its gradient ``J Jᵀ λ`` estimated from two independent parts of
    the batch; the update is the λ-weighted gradient of the same two parts (``samples=2``, the paper's
    algorithm, the default). ``samples=3`` takes the update from a third part instead, as the authors'
    code with ``three_grads`` and LibMTL do. λ starts uniform. Computed by torchjd's ``MoDoWeighting``.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        gamma: γ, the step size of λ (> 0). Defaults to 0.001 (LibMTL's).
        rho: ρ, the ℓ2 regularisation of λ (≥ 0). Defaults to 0.1.
        samples: parts of the batch, 2 or 3. Defaults to 2.
    """

    state_attribute = '_lambda'

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 gamma: float = 0.001, rho: float = 0.1, samples: int = 2):
        super().__init__(task_names, task_weights, samples)
        if not gamma > 0:
            raise ValueError(f'MoDoBalancer: gamma must be > 0, got {gamma!r}')
        if not rho >= 0:
            raise ValueError(f'MoDoBalancer: rho must be >= 0, got {rho!r}')
        aggregation = torchjd_aggregation()
        self.aggregator = aggregation.WeightedAggregator(aggregation.MoDoWeighting(gamma=float(gamma), rho=float(rho)))
