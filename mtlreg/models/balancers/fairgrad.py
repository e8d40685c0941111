"""FairGrad: α-fair resource allocation among the tasks.

Ban & Ji, "Fair Resource Allocation in Multi-Task Learning", ICML 2024: the weights solving
``G w = w^{−1/α}`` (Eq. 4 / Alg. 1), computed by torchjd's FairGrad (SciPy's least squares).
"""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

#: the packages torchjd's FairGrad solves with
FAIRGRAD_PACKAGES = ('numpy', 'scipy')


@BALANCERS.register_module()
class FairGradBalancer(JacobianBalancer):
    """``d = Σ_k w_k g_k`` with ``w > 0`` solving ``(J Jᵀ w)_k = w_k^{−1/α}``.

    The update that maximises the α-fair utility ``Σ_k (g_kᵀ d)^{1−α} / (1−α)`` of the tasks' gains
    within a ball (Ban & Ji, Eq. 4 and Alg. 1): ``α = 0`` is the mean gradient (linear
    scalarisation, uniform weights 1/K), ``α = 1`` proportional fairness (Nash-MTL's equation
    ``α_k g_kᵀ d = 1``, without its norm bound), ``α → ∞`` max-min fairness. Solved by SciPy's bounded least squares
    (``max_iters`` evaluations at most; SciPy's default ``100·K`` when None). Logged: ``w_k λ_k``.
    The Gramian is not normalised, so ``d`` scales as ``s^{(1−α)/(1+α)}`` when the gradients scale by
    ``s`` (as the paper's update does; ``α = 1``: not at all); the rows are the unscaled gradients
    (``GradientBalancer`` divides out the wrapper's accumulation count and float16 loss scale).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        alpha: the fairness α (≥ 0). Defaults to 1.0.
        max_iters: function evaluations of the solver at most, or None. Defaults to None.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 alpha: float = 1.0, max_iters: int | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        if not alpha >= 0:
            raise ValueError(f'{type(self).__name__}: alpha must be >= 0, got {alpha!r}')
        if max_iters is not None and (isinstance(max_iters, bool) or not isinstance(max_iters, int)
                                      or max_iters < 1):
            raise ValueError(f'{type(self).__name__}: max_iters must be None or an int >= 1, got {max_iters!r}')
        self.require(*FAIRGRAD_PACKAGES)
        self.aggregator = torchjd_aggregation().FairGrad(alpha=float(alpha), max_iters=max_iters)
