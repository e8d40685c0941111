"""CAGrad: conflict-averse gradient descent.

Liu, Liu, Jin, Stone & Liu, "Conflict-Averse Gradient Descent for Multi-task Learning", NeurIPS 2021:
the update of Eq. 4 / Alg. 1, computed by torchjd's CAGrad (a convex problem solved with cvxpy).
"""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

#: the packages torchjd's CAGrad solves with
CAGRAD_PACKAGES = ('numpy', 'cvxpy', 'clarabel')


@BALANCERS.register_module()
class CAGradBalancer(JacobianBalancer):
    """``d = g₀ + (√φ / ‖g_w‖) g_w``: the mean gradient ``g₀`` bent towards the worst-served task.

    ``g_w = Σ_k w_k g_k`` with ``w = argmin_{w ∈ simplex} g_wᵀ g₀ + √φ ‖g_w‖`` and ``√φ = c ‖g₀‖``
    (Liu et al., Eq. 4 and Alg. 1): the update that maximises the worst task's improvement within a
    ball of radius ``c ‖g₀‖`` around the mean. The row weights ``1/K + (√φ/‖g_w‖) w_k`` are logged
    (times λ_k). ``c = 0`` is the mean gradient. Computed by torchjd (cvxpy with the Clarabel solver;
    ``pip install 'mtlreg[solvers]'``), without the official code's optional rescaling by ``1 + c²``;
    where ``‖g_w‖`` is below ``norm_eps`` (a Pareto-stationary point) torchjd returns 0.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        c: the radius of the ball around the mean gradient, relative to its norm (≥ 0). Defaults to 0.5.
        norm_eps: below this ``‖g_w‖`` the update is 0; also guards the normalisation. Defaults to 0.0001.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 c: float = 0.5, norm_eps: float = 0.0001,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        if not c >= 0:
            raise ValueError(f'{type(self).__name__}: c must be >= 0, got {c!r}')
        if not norm_eps >= 0:
            raise ValueError(f'{type(self).__name__}: norm_eps must be >= 0, got {norm_eps!r}')
        self.require(*CAGRAD_PACKAGES)
        self.aggregator = torchjd_aggregation().CAGrad(c=float(c), norm_eps=float(norm_eps))
