"""UPGrad: the unconflicting projection of gradients (Quinton & Rey, "Jacobian Descent for Multi-Objective
Optimization", 2024)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class UPGradBalancer(JacobianBalancer):
    """``d = Σ_k p_k π_J(g_k)``: every task gradient projected onto the dual cone of the rows of ``J``, averaged.

    ``π_J(g)`` is the projection of ``g`` onto ``{x : J x ≥ 0}`` (Quinton & Rey, Sec. 2, the UPGrad
    aggregator): the update conflicts with no task (``g_k · d ≥ 0`` for every k) and, for gradients
    that do not conflict, is their weighted mean. Computed by torchjd (a QP per row, quadprog).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        pref_vector: the preference ``p`` over the tasks, in task order. Defaults to the mean (1/K each).
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 pref_vector: Sequence[float] | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().UPGrad(pref_vector=self.preference(pref_vector))
