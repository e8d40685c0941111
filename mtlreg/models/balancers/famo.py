"""FAMO: fast adaptive multitask optimisation.

Liu, Liu, Stone & Liu, "FAMO: Fast Adaptive Multitask Optimization", NeurIPS 2023 (Sec. 3, Algorithm 1):
weights ``z = softmax(ξ)`` on the log losses; the update is ``d = c Σ_k (z_k / ℓ_k) ∇ℓ_k``,
``c = (Σ_k z_k / ℓ_k)^{-1}``, the gradient of ``c Σ_k z_k log ℓ_k``; after the step the logits follow the
observed decrease of the log losses ``δ_k = log ℓ_k(θ_t) − log ℓ_k(θ_{t+1})``:
``ξ ← ξ − β (J_z(ξ)ᵀ δ + γ ξ)``, so tasks that improved less gain weight.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .balancer_state import check_positive, local_loss_values, stepped
from .base import BaseBalancer


@BALANCERS.register_module()
class FAMOBalancer(BaseBalancer):
    """``L = Σ_k λ_k z_k log(L_k + ε) / c``, ``c = Σ_k z_k / (L_k + ε)`` (c held constant), ``z = softmax(ξ)``.

    The gradient is ``Σ_k λ_k w_k ∇L_k`` with ``w_k = z_k / (c (L_k + ε))``: the z-weighted gradient of the
    log losses, rescaled so that the weights sum to 1 (for λ = 1); one backward pass. The logits ξ (0 at first) are updated at the start of every training call from the decrease
    ``δ_k = log ℓ_k(previous step) − log ℓ_k(this step)`` of the log losses ``ℓ_k = L_k + ε`` since the
    previous training call: their gradient ``J_zᵀ δ = z ⊙ (δ − z·δ)`` goes through Adam (``lr``,
    ``betas``, ``adam_eps``) with L2 weight decay γ (``weight_decay``, added to the gradient as
    ``torch.optim.Adam`` does). The Adam moments and step count are buffers of the balancer, so a resumed
    run continues exactly; the losses entering δ are averaged over the processes of a distributed run, so
    every process holds the same ξ. A task missing from either call gets ``δ_k = 0``. Evaluation-mode calls
    use the current weights and change nothing.

    Paper and code: the paper (and the official code) measures ``ℓ(θ_{t+1})`` on the same batch as
    ``ℓ(θ_t)``, with one more forward pass after the step. The balancer sees only the losses the model
    hands it, so it uses the next training step's losses, on the next batch: δ then also holds the
    difference between the two batches, noise that Adam's averaging smooths out, and no extra forward
    pass is needed. With gradient accumulation δ is taken across an optimiser step only (from the last
    micro-batch before it to the first after it). The defaults are the paper's and LibMTL's (lr 0.025,
    γ 1e-3, ε 1e-8, the minimum losses ``ℓ*`` taken as 0).

    Logged weights: ``λ_k w_k``. State: ``logits``, ``adam_exp_avg``, ``adam_exp_avg_sq``, ``adam_steps``,
    ``prev_log_losses``, ``window_open`` (buffers).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's term). Defaults to 1.
        lr: β, the Adam learning rate of ξ. Defaults to 0.025.
        weight_decay: γ, the L2 decay of ξ. Defaults to 1e-3.
        betas: Adam's moment rates. Defaults to (0.9, 0.999).
        adam_eps: Adam's ε. Defaults to 1e-8.
        eps: ε added to every loss inside the logarithm. Defaults to 1e-8.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, lr: float = 0.025,
                 weight_decay: float = 1e-3, betas: Sequence[float] = (0.9, 0.999), adam_eps: float = 1e-8,
                 eps: float = 1e-8):
        super().__init__(task_names, task_weights)
        if not lr > 0:
            raise ValueError(f'FAMOBalancer: lr must be > 0, got {lr}')
        if not weight_decay >= 0:
            raise ValueError(f'FAMOBalancer: weight_decay must be >= 0, got {weight_decay}')
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f'FAMOBalancer: betas must be two numbers in [0, 1), got {betas!r}')
        if not adam_eps > 0 or not eps >= 0:
            raise ValueError(f'FAMOBalancer: adam_eps must be > 0 and eps >= 0, got {adam_eps} and {eps}')
        self.lr, self.weight_decay, self.betas = float(lr), float(weight_decay), (float(betas[0]), float(betas[1]))
        self.adam_eps, self.eps = float(adam_eps), float(eps)
        k = len(self.task_names)
        self.register_buffer('logits', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('adam_exp_avg', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('adam_exp_avg_sq', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('adam_steps', torch.tensor(0))
        self.register_buffer('prev_log_losses', torch.full((k,), float('nan'), dtype=torch.float64))
        self.register_buffer('window_open', torch.tensor(False))
        self._weights = {t: self.task_weights[t] / k for t in self.task_names}

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        tasks = list(losses)
        local = local_loss_values(losses, tasks)
        check_positive('FAMOBalancer', tasks, local, self.eps)
        if self.training:
            self._observe(self.global_losses(losses))
        z = torch.softmax(self.logits, 0).tolist()
        shifted = [float(v) + self.eps for v in local.tolist()]
        idx = [self.task_names.index(t) for t in tasks]
        c = sum(z[i] / v for i, v in zip(idx, shifted))
        objective = sum(self.task_weights[t] * (z[i] / c) * torch.log(losses[t] + self.eps)
                        for t, i in zip(tasks, idx))
        self._weights.update({t: self.task_weights[t] * z[i] / (c * v) for t, i, v in zip(tasks, idx, shifted)})
        return objective

    def _observe(self, losses: dict[str, float]) -> None:
        """Update ξ from the decrease of the log losses since the previous training call; note this call's."""
        idx = torch.tensor([self.task_names.index(t) for t in losses], device=self.logits.device)
        now = torch.log(torch.tensor(list(losses.values()), dtype=torch.float64, device=self.logits.device) + self.eps)
        if not bool(self.window_open):
            prev = self.prev_log_losses[idx]
            known = ~torch.isnan(prev)
            if bool(known.any()):
                delta = torch.zeros_like(self.logits)
                delta[idx[known]] = prev[known] - now[known]
                z = torch.softmax(self.logits, 0)
                self._adam_step(z * (delta - (z * delta).sum()))
        self.prev_log_losses.fill_(float('nan'))
        self.prev_log_losses[idx] = now
        self.window_open.fill_(False)

    def _adam_step(self, grad: torch.Tensor) -> None:
        """One Adam step of ξ on ``grad`` (with L2 weight decay), as ``torch.optim.Adam`` computes it."""
        beta1, beta2 = self.betas
        grad = grad + self.weight_decay * self.logits
        self.adam_steps += 1
        step = int(self.adam_steps)
        self.adam_exp_avg.lerp_(grad, 1 - beta1)
        self.adam_exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = self.lr / (1 - beta1 ** step)
        denom = (self.adam_exp_avg_sq.sqrt() / math.sqrt(1 - beta2 ** step)).add_(self.adam_eps)
        self.logits.addcdiv_(self.adam_exp_avg, denom, value=-step_size)

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper, **kwargs) -> None:
        """The usual step; notes whether the wrapper only accumulated (then the next call leaves ξ as it is)."""
        super().update(task_losses, objective, shared_parameters, optim_wrapper, **kwargs)
        self.window_open.fill_(not stepped(optim_wrapper))

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
