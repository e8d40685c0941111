"""DualProj: the mean gradient projected onto the dual cone of the task gradients (Quinton & Rey, 2024,
after GEM: Lopez-Paz & Ranzato, "Gradient Episodic Memory for Continual Learning", NeurIPS 2017)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class DualProjBalancer(JacobianBalancer):
    """``d = π_J(Σ_k p_k g_k)``: the weighted mean gradient, projected onto ``{x : J x ≥ 0}``.

    The closest update to the mean that conflicts with no task (GEM's projection, Lopez-Paz &
    Ranzato, Eq. 10–11, with every task as a constraint); computed by torchjd (a QP, quadprog).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        pref_vector: the weights ``p`` of the mean, in task order. Defaults to 1/K each.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 pref_vector: Sequence[float] | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().DualProj(pref_vector=self.preference(pref_vector))
