"""DB-MTL: dual balancing of loss scales and gradient magnitudes.

Lin, Jiang, Ye, Zhang, Chen, Chen, Liu & Kwok, "Dual-Balancing Multi-Task Learning", arXiv:2308.12029, 2023
(Sec. 3, Algorithm 1): loss-scale balancing trains on ``log L_k``; gradient-magnitude balancing keeps an
exponential moving average ``ĝ_k ← β ĝ_k + (1 − β) ∇_θ log L_k`` of every task's gradient of the shared
parameters and updates them along ``d = Σ_k (max_j ‖ĝ_j‖ / ‖ĝ_k‖) ĝ_k``: every task's tracked gradient
rescaled to the largest norm.
"""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .balancer_state import TrackedGradients, flatten_gradients, unflatten
from .gradient_balancer import GradientBalancer


@BALANCERS.register_module()
class DBMTLBalancer(TrackedGradients, GradientBalancer):
    """Shared parameters: ``d = Σ_k λ_k (max_j ‖ĝ_j‖ / ‖ĝ_k‖) ĝ_k``; the rest: ``∇ Σ_k λ_k log(L_k + ε)``.

    ``ĝ_k ← β_t ĝ_k + (1 − β_t) ∇ log(L_k + ε)``, ``β_t = β / t^σ`` (t: the task's step count; σ = 0 gives
    the paper's constant β), starting from ``ĝ_k = 0`` as Algorithm 1. A task whose tracked gradient is 0
    (not seen yet, or only zero gradients so far) contributes nothing. A task absent from a batch keeps
    its tracked gradient, which still enters ``d``. The combination covers every shared parameter, also
    one that only one task reaches in a step, so that a tracked value always belongs to the same
    parameter. The static weights λ_k scale the balanced terms (the log removes a constant factor of a
    loss and the rescaling one of a gradient, so λ_k would have no effect before them).

    The tracked gradients are those of the unscaled losses: under an AMP loss scaler the balancer divides
    the incoming gradients by the step's scale before tracking them and multiplies ``d`` back; a step with
    non-finite gradients leaves the state as it was (the scaler then skips the step). In a distributed run
    they are averaged over processes before the tracking, so the state is the same everywhere.

    Logged weights: ``λ_k max_j ‖ĝ_j‖ / ‖ĝ_k‖``, the factor on task k's tracked gradient of ``log L_k``
    (λ_k before a task's first step, 0 while its tracked gradient is 0). State: ``grad_ema`` (K × the
    number of shared parameter values, sized at the first step and loadable strictly before or after it)
    and ``task_steps``. Per step: one backward pass through the shared parameters per task plus the
    objective's.

    Paper and code: LibMTL (which the authors maintain) writes the same average as
    ``ĝ ← g + β_t (ĝ − g)`` with ``β_t = β / t^σ`` (``DB_beta`` 0.9, ``DB_beta_sigma`` 0), ε = 1e-8 inside
    the log and in the ratio, as here; its heads get the gradients of the log losses unweighted.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        beta: β of the moving average. Defaults to 0.9.
        beta_sigma: σ, the decay exponent of β_t. Defaults to 0.0.
        eps: ε inside the logarithm and in the norm ratio. Defaults to 1e-8.
    """

    resizable_buffers = ('grad_ema',)

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, beta: float = 0.9,
                 beta_sigma: float = 0.0, eps: float = 1e-8):
        super().__init__(task_names, task_weights)
        if not 0 <= beta < 1:
            raise ValueError(f'DBMTLBalancer: beta must be in [0, 1), got {beta}')
        if not beta_sigma >= 0:
            raise ValueError(f'DBMTLBalancer: beta_sigma must be >= 0, got {beta_sigma}')
        if not eps > 0:
            raise ValueError(f'DBMTLBalancer: eps must be > 0, got {eps}')
        self.beta, self.beta_sigma, self.eps = float(beta), float(beta_sigma), float(eps)
        k = len(self.task_names)
        self.register_buffer('grad_ema', torch.zeros(k, 0))
        self.register_buffer('task_steps', torch.zeros(k, dtype=torch.long))
        self._weights = dict(self.task_weights)

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in self.gradient_losses(losses).items())

    def gradient_losses(self, losses: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``log(L_k + ε)``, unweighted: the static weights scale the balanced gradients instead."""
        return {t: torch.log(loss + self.eps) for t, loss in losses.items()}

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks, gradients, shapes = flatten_gradients(task_gradients)
        if not torch.isfinite(gradients).all():
            return unflatten(gradients.sum(0), shapes)  # an overflow: the loss scaler skips this step
        ema = self.tracked_state('grad_ema', gradients)
        steps = self.task_steps if self.training else self.task_steps.clone()
        for row, t in enumerate(tasks):
            i = self.task_names.index(t)
            steps[i] += 1
            beta = self.beta / float(steps[i]) ** self.beta_sigma
            ema[i].mul_(beta).add_(gradients[row].to(ema.dtype), alpha=1 - beta)
        seen = steps > 0
        norms = ema.norm(dim=1)
        factors = torch.where(norms > 0, norms.max() / (norms + self.eps), torch.zeros_like(norms))
        static = torch.tensor([self.task_weights[t] for t in self.task_names], dtype=factors.dtype,
                              device=factors.device)
        scales = static * factors
        combined = (scales[:, None] * ema).sum(0)
        self._weights = {t: (float(scales[i]) if bool(seen[i]) else self.task_weights[t])
                         for i, t in enumerate(self.task_names)}
        return unflatten(combined.to(gradients.dtype), shapes)

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
