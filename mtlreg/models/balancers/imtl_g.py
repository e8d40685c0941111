"""IMTL-G: impartial gradient balancing (Liu et al., "Towards Impartial Multi-task Learning", ICLR 2021)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class IMTLGBalancer(JacobianBalancer):
    """``d = Σ_k α_k g_k`` whose projections onto every unit task gradient ``u_k = g_k/‖g_k‖`` are equal.

    IMTL-G (Liu et al., Sec. 3.2): ``d · u_1 = d · u_k`` for every k with ``Σ_k α_k = 1``, so no task is
    favoured by the update's direction. torchjd solves it on the Gramian ``G = J Jᵀ``:
    ``α ∝ G⁺ (‖g_1‖, …, ‖g_K‖)``, normalised to sum 1 (the pseudo-inverse also covers linearly
    dependent gradients, Quinton & Rey 2024).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().IMTLG()
