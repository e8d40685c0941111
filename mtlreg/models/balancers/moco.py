"""MoCo: multi-objective gradient correction.

Fernando, Shen, Liu, Chaudhury, Murugesan & Chen, "Mitigating Gradient Bias in Multi-objective Learning: A
Provably Convergent Approach", ICLR 2023 (Sec. 3, Algorithm 1): every task's gradient ``h_k`` of the
shared parameters is tracked, ``y_k ← y_k − β_t (y_k − h_k)``; the weights on the simplex follow one
projected gradient step of the min-norm problem, ``λ ← Π_Δ(λ − γ_t (Yᵀ Y + ρ I) λ)`` with ``Y = [y_1 … y_K]``;
the update direction is ``d = Y λ``.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .balancer_state import TrackedGradients, flatten_gradients, unflatten
from .gradient_balancer import GradientBalancer


def project_onto_simplex(v: torch.Tensor) -> torch.Tensor:
    """The Euclidean projection of ``v`` onto the probability simplex ``{λ ≥ 0, Σ λ = 1}``.

    Sort ``v`` decreasingly into ``u``; ``ρ`` is the largest ``j`` with ``u_j − (Σ_{i≤j} u_i − 1) / j > 0``;
    the projection is ``max(v − θ, 0)`` with ``θ = (Σ_{i≤ρ} u_i − 1) / ρ``.
    """
    u = torch.sort(v, descending=True).values
    shifted = torch.cumsum(u, 0) - 1
    j = torch.arange(1, len(v) + 1, dtype=v.dtype, device=v.device)
    rho = int(torch.nonzero(u - shifted / j > 0).max()) + 1
    return (v - shifted[rho - 1] / rho).clamp_min(0)


@BALANCERS.register_module()
class MoCoBalancer(TrackedGradients, GradientBalancer):
    """Shared parameters: ``d = Σ_k λ_k y_k`` with tracked gradients ``y_k`` and simplex weights ``λ``.

    Per step t (counted from 1): ``β_t = β / t^{σ_β}``, ``γ_t = γ / t^{σ_γ}``;
    ``y_k ← y_k − β_t (y_k − h_k)`` for the tasks in the batch (``h_k`` = the gradient of ``λ^s_k L_k``,
    ``y_k = 0`` at first); ``λ ← Π_Δ(λ − γ_t (Yᵀ Y + ρ I) λ)`` over all K tasks (``λ = 1/K`` at first),
    ``Π_Δ`` the Euclidean projection onto the simplex; ``d = Y λ``. A task absent from a batch keeps its
    tracked gradient. The combination covers every shared parameter, also one that only one task reaches
    in a step, so that a tracked value always belongs to the same parameter. The task-specific parameters
    get ``∇ Σ_k λ^s_k L_k`` (static weights λ^s).

    The tracked gradients are those of the unscaled losses (under an AMP loss scaler the incoming
    gradients are divided by the step's scale and ``d`` multiplied back; a step with non-finite gradients
    leaves the state unchanged and the scaler skips it). In a distributed run the gradients are averaged
    over processes before tracking, so the state is the same everywhere.

    Logged weights: ``λ_k λ^s_k``. State: ``tracked`` (K × the number of shared parameter values, sized at
    the first step and loadable strictly before or after it), ``lambdas``, ``steps``. Per step: one backward
    pass through the shared parameters per task plus the objective's.

    Paper and code: the step sizes of the paper's analysis decay; the defaults are those of the authors'
    code as LibMTL ships it (β 0.5, σ_β 0.5, γ 0.1, σ_γ 0.5, ρ 0). That code replaces the projection with
    a softmax, ``λ ← softmax(λ − γ_t (YᵀY + ρI) λ)`` (``projection='softmax'``), and tracks
    ``h_k = L_k g_k / (‖g_k‖ + 1e-8)`` instead of ``g_k`` (``normalize_gradients=True``; ``L_k`` averaged
    over processes); the defaults follow the paper.

    Args:
        task_names: the tasks.
        task_weights: static weights λ^s_k (scale each task's gradient). Defaults to 1.
        beta: β, the tracking rate. Defaults to 0.5.
        beta_sigma: σ_β, its decay exponent. Defaults to 0.5.
        gamma: γ, the step size of λ. Defaults to 0.1.
        gamma_sigma: σ_γ, its decay exponent. Defaults to 0.5.
        rho: ρ, the ℓ2 regulariser of the λ problem. Defaults to 0.0.
        projection: ``'simplex'`` (the paper) or ``'softmax'`` (the authors' code). Defaults to 'simplex'.
        normalize_gradients: track ``L_k g_k / ‖g_k‖`` (the authors' code). Defaults to False.
    """

    resizable_buffers = ('tracked',)

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, beta: float = 0.5,
                 beta_sigma: float = 0.5, gamma: float = 0.1, gamma_sigma: float = 0.5, rho: float = 0.0,
                 projection: str = 'simplex', normalize_gradients: bool = False):
        super().__init__(task_names, task_weights)
        if not 0 < beta <= 1:
            raise ValueError(f'MoCoBalancer: beta must be in (0, 1], got {beta}')
        if not gamma > 0:
            raise ValueError(f'MoCoBalancer: gamma must be > 0, got {gamma}')
        for name, value in (('beta_sigma', beta_sigma), ('gamma_sigma', gamma_sigma), ('rho', rho)):
            if not value >= 0:
                raise ValueError(f'MoCoBalancer: {name} must be >= 0, got {value}')
        if projection not in ('simplex', 'softmax'):
            raise ValueError(f"MoCoBalancer: projection must be 'simplex' or 'softmax', got {projection!r}")
        self.beta, self.beta_sigma = float(beta), float(beta_sigma)
        self.gamma, self.gamma_sigma, self.rho = float(gamma), float(gamma_sigma), float(rho)
        self.projection, self.normalize_gradients = projection, bool(normalize_gradients)
        k = len(self.task_names)
        self.register_buffer('tracked', torch.zeros(k, 0))
        self.register_buffer('lambdas', torch.full((k,), 1.0 / k, dtype=torch.float64))
        self.register_buffer('steps', torch.tensor(0))
        self._step_losses: dict[str, float] | None = None

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    @property
    def needs_every_task_in_a_batch(self) -> bool:
        """With ``normalize_gradients`` every task's gradient is rescaled by its loss of the same batch."""
        return self.normalize_gradients or super().needs_every_task_in_a_batch

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper, **kwargs) -> None:
        if self.normalize_gradients:
            self._step_losses = self.global_losses(task_losses)
        try:
            super().update(task_losses, objective, shared_parameters, optim_wrapper, **kwargs)
        finally:
            self._step_losses = None

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks, gradients, shapes = flatten_gradients(task_gradients)
        if not torch.isfinite(gradients).all():
            return unflatten(gradients.sum(0), shapes)  # an overflow: the loss scaler skips this step
        if self.normalize_gradients:
            if self._step_losses is None:
                raise ValueError('MoCoBalancer: normalize_gradients needs the losses of the step; '
                                 'take the step with update()')
            losses = torch.tensor([self._step_losses[t] for t in tasks], dtype=gradients.dtype,
                                  device=gradients.device)
            gradients = gradients / (gradients.norm(dim=1, keepdim=True) + 1e-8) * losses[:, None]
        tracked = self.tracked_state('tracked', gradients)
        step = int(self.steps) + 1
        beta = self.beta / step ** self.beta_sigma
        gamma = self.gamma / step ** self.gamma_sigma
        for row, t in enumerate(tasks):
            y = tracked[self.task_names.index(t)]
            y.sub_(y - gradients[row].to(y.dtype), alpha=beta)
        y64 = tracked.to(torch.float64)
        lambdas = self.lambdas.to(y64.device)
        k = len(self.task_names)
        step_matrix = y64 @ y64.T + self.rho * torch.eye(k, dtype=torch.float64, device=y64.device)
        moved = lambdas - gamma * (step_matrix @ lambdas)
        lambdas = project_onto_simplex(moved) if self.projection == 'simplex' else torch.softmax(moved, 0)
        if self.training:
            self.steps.fill_(step)
            self.lambdas.copy_(lambdas)
        combined = (lambdas.to(tracked.dtype) @ tracked)
        return unflatten(combined.to(gradients.dtype), shapes)

    def current_weights(self) -> dict[str, float]:
        lambdas = self.lambdas.tolist()
        return {t: self.task_weights[t] * lambdas[k] for k, t in enumerate(self.task_names)}
