"""Nash-MTL: the task gradients combined by the Nash bargaining solution.

Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya, "Multi-Task Learning as a Bargaining
Game", ICML 2022: ``Gᵀ G α = 1/α`` (Eq. 2 / Alg. 1), computed by torchjd's NashMTL (cvxpy with ECOS).
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import torch

from mtlreg.registry import BALANCERS
from .aggregator_mixins import AggregatorStateMixin
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

#: the packages torchjd's NashMTL solves with
NASH_MTL_PACKAGES = ('numpy', 'cvxpy', 'ecos')


@BALANCERS.register_module()
class NashMTLBalancer(AggregatorStateMixin, JacobianBalancer):
    """``d = Σ_k α_k g_k`` with ``α > 0`` solving ``(J Jᵀ α)_k = 1/α_k``, then scaled to ``‖d‖ ≤ max_norm``.

    The Nash bargaining solution of the tasks (Navon et al., Eq. 2 and Alg. 1): each task's gain is
    inversely proportional to its weight, ``α_k g_kᵀ d = 1``, so no task gains at the others'
    expense. The equation is solved by a sequence of convex problems (``optim_niter`` at most, on
    the Gramian normalised by its Frobenius norm for conditioning; cvxpy with ECOS,
    ``pip install 'mtlreg[solvers]'``), warm-started from the previous step's α; the weights are
    recomputed every ``update_weights_every`` steps and reused in between. If ``max_norm > 0`` and
    ``‖d‖ > max_norm`` the weights are scaled so that ``‖d‖ = max_norm`` (the official code clips
    the shared gradient's norm the same way). Logged: ``α_k λ_k`` after that scaling. For two tasks
    ``α_k = 1 / (‖g_k‖ √(1 + cos(g_a, g_b)))``: ``d`` is along ``g_a/‖g_a‖ + g_b/‖g_b‖``. Without
    the scaling this is FairGrad with ``α = 1``.

    The previous α and the step count are the aggregator's state; they are saved in the balancer's
    checkpoint, so a resumed run continues the same sequence. ``d`` does not change when the rows
    are scaled (α scales inversely), so its size, and ``max_norm``, are those of the rows as the
    optimiser wrapper scales them (its accumulation count, a float16 loss scale).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        update_weights_every: recompute α every this many steps (≥ 1). Defaults to 1.
        optim_niter: convex problems per recomputation at most (≥ 1). Defaults to 20.
        max_norm: the largest ``‖d‖``; 0 disables the scaling. Defaults to 1.0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 update_weights_every: int = 1, optim_niter: int = 20, max_norm: float = 1.0):
        super().__init__(task_names, task_weights)
        for arg, value in (('update_weights_every', update_weights_every), ('optim_niter', optim_niter)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{type(self).__name__}: {arg} must be an int >= 1, got {value!r}')
        if not max_norm >= 0:
            raise ValueError(f'{type(self).__name__}: max_norm must be >= 0 (0: no scaling), got {max_norm!r}')
        self.require(*NASH_MTL_PACKAGES)
        self.aggregator = torchjd_aggregation().NashMTL(n_tasks=len(self.task_names), max_norm=float(max_norm),
                                                        update_weights_every=update_weights_every,
                                                        optim_niter=optim_niter)

    def aggregator_state(self) -> dict[str, Any]:
        weighting = self.aggregator.weighting
        return {'step': float(weighting.step),
                'previous_alpha': torch.from_numpy(weighting.prvs_alpha.copy()),
                'normalization_factor': torch.from_numpy(weighting.normalization_factor.copy())}

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        self.check_state_shape('previous_alpha', state['previous_alpha'], (len(self.task_names),))
        weighting = self.aggregator.weighting
        weighting.reset()
        weighting.step = float(state['step'])
        weighting.prvs_alpha = state['previous_alpha'].numpy().copy()
        weighting.normalization_factor = state['normalization_factor'].numpy().copy()
        if weighting.step > 0:  # torchjd builds its convex problem at step 0 only; it starts from prvs_alpha
            weighting._init_optim_problem()

    def aggregate(self, jacobian: torch.Tensor, tasks: Sequence[str] | None = None):
        with warnings.catch_warnings():
            # torchjd's problem is not DPP (cvxpy recompiles it at every solve, as the official code does)
            warnings.filterwarnings('ignore', message='You are solving a parameterized problem that is not DPP')
            return super().aggregate(jacobian, tasks)
