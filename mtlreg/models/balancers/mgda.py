"""MGDA: the minimum-norm point of the convex hull of the task gradients (Désidéri, 2012; Sener & Koltun,
"Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class MGDABalancer(JacobianBalancer):
    """``d = Σ_k α_k g_k`` with ``α = argmin ‖Σ_k α_k g_k‖²`` over the simplex (Sener & Koltun, Eq. 3).

    A common descent direction of every task (zero at a Pareto-stationary point). The weights α are
    found by Frank-Wolfe on the Gramian ``J Jᵀ`` (Sener & Koltun, Alg. 2; torchjd's MGDA), here on the
    gradients of the shared parameters (the paper's MGDA; MGDA-UB's gradients of the shared
    representation are a cheaper bound).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        epsilon: Frank-Wolfe stops when a step changes α by less. Defaults to 0.001.
        max_iters: Frank-Wolfe iterations at most. Defaults to 100.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 epsilon: float = 0.001, max_iters: int = 100,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().MGDA(epsilon=epsilon, max_iters=max_iters)
