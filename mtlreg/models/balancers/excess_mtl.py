"""ExcessMTL: task weights from the tasks' excess risks.

He, Zhou, Hu, Zhang & Zhao, "Robust Multi-Task Learning with Excess Risks", ICML 2024: the excess
risk estimate of Eqs. 6–7 and the exponentiated-gradient weights of Eq. 9, computed by torchjd's
ExcessMTL.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from mtlreg.registry import BALANCERS
from .aggregator_mixins import AggregatorStateMixin
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

_TENSORS = ('weights', 'squared_gradient_sum', 'initial_excess', 'warmup_excess_sum')
_ATTRIBUTES = ('_weights', '_sq_grad_sum', '_initial_w', '_warmup_w_sum')


@BALANCERS.register_module()
class ExcessMTLBalancer(AggregatorStateMixin, JacobianBalancer):
    """``d = Σ_k α_k g_k`` with ``α ← softmax(log α + η Ê / Ê⁰)``, ``Ê_k = Σ_j g_kj² / √(S_kj + 1e-7)``.

    Each task's excess risk (the distance to its optimum, not its loss) is estimated by a
    second-order expansion with an AdaGrad diagonal Hessian, ``Ê_k ≈ g_kᵀ H_k⁻¹ g_k`` with
    ``H_k = diag(√S_k)`` and ``S_k`` the running sum of the task's squared gradients (He et al.,
    Eqs. 6–7). The weights start uniform (``1/K``) and take an exponentiated-gradient step on the
    excess risks relative to the baseline ``Ê⁰`` (Eq. 9 with the scale processing of Sec. 3.2):
    tasks far from their optimum gain weight. ``Ê⁰`` is the first step's ``Ê`` (the first step
    uses ``Ê`` itself), or the mean over ``n_warmup_steps`` steps during which the weights stay
    uniform. Logged: ``α_k λ_k``.

    ``S``, the weights, ``Ê⁰`` and the step count are the aggregator's state, saved in the
    balancer's checkpoint. ``S`` has the Jacobian's size (tasks × shared parameters), on its device.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        robust_step_size: the step size η (> 0). Defaults to 1.0.
        n_warmup_steps: steps of uniform weights that set ``Ê⁰`` (≥ 0; the paper collects three
            epochs). Defaults to 0.
    """

    #: the running sums are per column of the Jacobian: every shared parameter is a column at every step
    combines_every_shared_parameter = True

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 robust_step_size: float = 1.0, n_warmup_steps: int = 0):
        super().__init__(task_names, task_weights)
        if not robust_step_size > 0:
            raise ValueError(f'{type(self).__name__}: robust_step_size must be > 0, got {robust_step_size!r}')
        if isinstance(n_warmup_steps, bool) or not isinstance(n_warmup_steps, int) or n_warmup_steps < 0:
            raise ValueError(f'{type(self).__name__}: n_warmup_steps must be an int >= 0, got {n_warmup_steps!r}')
        self.aggregator = torchjd_aggregation().ExcessMTL(robust_step_size=float(robust_step_size),
                                                          n_warmup_steps=n_warmup_steps)

    def aggregator_state(self) -> dict[str, Any]:
        weighting = self.aggregator.weighting
        state = {key: getattr(weighting, attr) for key, attr in zip(_TENSORS, _ATTRIBUTES)}
        state['steps'] = int(weighting._n_steps)
        return state

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        k = len(self.task_names)
        for key in ('weights', 'initial_excess', 'warmup_excess_sum'):
            self.check_state_shape(key, state[key], (k,))
        squares = state['squared_gradient_sum']
        if squares is not None and (squares.dim() != 2 or squares.shape[0] != k):
            raise ValueError(f'{type(self).__name__}: the aggregator state squared_gradient_sum in the checkpoint '
                             f'has shape {tuple(squares.shape)}, expected ({k}, n) for the tasks {self.task_names}')
        weighting = self.aggregator.weighting
        weighting.reset()
        if squares is None:
            return
        for key, attr in zip(_TENSORS, _ATTRIBUTES):
            setattr(weighting, attr, None if state[key] is None else state[key].detach().clone())
        weighting._n_steps = int(state['steps'])
        weighting._state_key = (k, squares.shape[1], squares.dtype, squares.device)

    def place_aggregator_state(self, jacobian: torch.Tensor) -> None:
        # torchjd keeps the state on the Jacobian's device and dtype, and restarts it if either differs
        weighting = self.aggregator.weighting
        squares = weighting._sq_grad_sum
        if squares is None or (squares.device == jacobian.device and squares.dtype == jacobian.dtype):
            return
        for attr in _ATTRIBUTES:
            value = getattr(weighting, attr)
            if value is not None:
                setattr(weighting, attr, value.to(jacobian.device, jacobian.dtype))
        weighting._state_key = (squares.shape[0], squares.shape[1], jacobian.dtype, jacobian.device)
