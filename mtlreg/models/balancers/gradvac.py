"""GradVac: gradient vaccine.

Wang, Tsvetkov, Firat & Cao, "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
Massively Multilingual Models", ICLR 2021: the correction of Eq. 4 towards an EMA of the cosines
(Alg. 1, whole-model granularity), computed by torchjd's GradVac.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from mtlreg.registry import BALANCERS
from .aggregator_mixins import AggregatorStateMixin, SeededAggregationMixin
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class GradVacBalancer(SeededAggregationMixin, AggregatorStateMixin, JacobianBalancer):
    """``d = Σ_i g_i'``, each ``g_i'`` pulled towards the cosine target ``φ̂_ij`` of every other task.

    For every task i, over the other tasks j in a random order: with ``φ_ij = cos(g_i', g_j)``, if
    ``φ_ij < φ̂_ij`` then ``g_i' += ‖g_i'‖ (φ̂_ij √(1−φ_ij²) − φ_ij √(1−φ̂_ij²)) / (‖g_j‖ √(1−φ̂_ij²)) g_j``
    (Wang et al., Eq. 4), which sets the cosine to ``φ̂_ij``; then ``φ̂_ij ← (1−β) φ̂_ij + β φ_ij``
    (Alg. 1; ``φ̂ = 0`` at the start, where the correction is PCGrad's projection). Unlike PCGrad it
    also corrects gradients that do not conflict but are less aligned than usual. ``d`` is a
    weighting of the rows; ``w_k λ_k`` is logged.

    ``φ̂`` is the aggregator's state, saved in the balancer's checkpoint; the order of the tasks
    comes from ``seed`` and the step count (the ``steps`` buffer), so every process and a resumed
    run draw the same. One ``φ̂`` for all the shared parameters (the paper's whole-model variant).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        beta: EMA rate β of the cosine targets, in [0, 1]. Defaults to 0.5.
        eps: added to the denominators (≥ 0). Defaults to 1e-8.
        seed: seed of the task orders. Defaults to 0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 beta: float = 0.5, eps: float = 1e-8, seed: int = 0):
        super().__init__(task_names, task_weights)
        if not 0 <= beta <= 1:
            raise ValueError(f'{type(self).__name__}: beta must be in [0, 1], got {beta!r}')
        if not eps >= 0:
            raise ValueError(f'{type(self).__name__}: eps must be >= 0, got {eps!r}')
        self.init_seed(seed)
        self.aggregator = torchjd_aggregation().GradVac(beta=float(beta), eps=float(eps))

    def aggregator_state(self) -> dict[str, Any]:
        return {'phi_hat': self.aggregator.gramian_weighting._phi_t}

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        k = len(self.task_names)
        phi = state['phi_hat']
        self.check_state_shape('phi_hat', phi, (k, k))
        weighting = self.aggregator.gramian_weighting
        weighting.reset()
        if phi is not None:
            weighting._phi_t = phi.detach().to('cpu', copy=True)
            weighting._state_key = (k, phi.dtype)

    def place_aggregator_state(self, jacobian: torch.Tensor) -> None:
        # torchjd keeps φ̂ on the CPU in the Jacobian's dtype, and restarts it if the dtype differs
        weighting = self.aggregator.gramian_weighting
        phi = weighting._phi_t
        if phi is not None and (phi.dtype != jacobian.dtype or phi.device.type != 'cpu'):
            weighting._phi_t = phi.to('cpu', jacobian.dtype)
            weighting._state_key = (phi.shape[0], jacobian.dtype)
