"""STCH: smooth Tchebycheff scalarisation.

Lin, Zhang, Yang, Liu, Wang & Zhang, "Smooth Tchebycheff Scalarization for Multi-Objective Optimization",
ICML 2024 (Sec. 3): the Tchebycheff scalarisation ``max_k λ_k (f_k − z_k)`` smoothed with parameter μ,
``g_μ(x | λ) = μ log Σ_k exp(λ_k (f_k(x) − z_k) / μ)``, z the ideal point; for multi-task learning the
authors' code takes ``f_k − z_k = log(L_k / L̄_k)`` with a reference ``L̄_k`` (the mean loss of a warm-up
epoch) and scales the scalarisation by K.
"""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .balancer_state import check_positive, local_loss_values
from .base import BaseBalancer


@BALANCERS.register_module()
class STCHBalancer(BaseBalancer):
    """``L = K μ log Σ_k exp(λ_k f_k / μ)``, ``f_k = log(L_k / L̄_k + ε)``, after a warm-up on ``Σ_k λ_k f_k``.

    The smoothed maximum over the tasks of the (log) losses relative to a reference ``L̄_k``: subtracting
    ``log L̄_k`` is the ideal-point shift ``z_k`` of the paper's formula in the log domain, which puts
    every task's log loss on a common origin. Training starts with ``warmup_iters`` steps of the plain sum
    ``Σ_k λ_k f_k`` with ``L̄ = 1``; ``L̄_k`` is then task k's mean loss over the last ``nadir_iters`` of
    them (averaged over the processes of a distributed run), and the smooth Tchebycheff objective takes
    over. As μ → 0 it approaches ``K max_k λ_k f_k``; as μ grows it approaches the sum of the ``λ_k f_k``
    plus a constant. The factor K (the authors' code) keeps the weights summing to K, the scale of the
    warm-up's sum (K counts the tasks in the batch); it does not change the minimiser.
    ``log_losses=False`` uses ``f_k = L_k / L̄_k``; with ``warmup_iters=0`` (``L̄ = 1``) that is the paper's
    formula with the ideal point ``z = 0``.
    The static weights λ_k are the preference.

    Logged weights are the effective ``∂L/∂L_k``: ``K λ_k softmax_k(λ f / μ) · ∂f_k/∂L_k`` with
    ``∂f_k/∂L_k = 1 / (L_k + ε L̄_k)`` (log) or ``1 / L̄_k``; during the warm-up ``λ_k ∂f_k/∂L_k``.
    State: ``steps``, ``loss_sums``, ``loss_counts`` and ``reference`` (buffers); evaluation-mode calls
    change none of them. Cost: one backward pass, as a weighted sum.

    Paper and code: the paper states the scalarisation for a general ideal point; the official code for
    multi-task learning (and LibMTL, which adapts it) uses the warm-up and the log-domain reference above
    (``STCH_warmup_epoch = 4``: four epochs of the sum of log losses plus one more whose mean loss is the
    reference, i.e. ``warmup_iters`` = 5 epochs of iterations and ``nadir_iters`` = 1 epoch), with
    μ = 1 and ε = 1e-20, the defaults here.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k, the preference. Defaults to 1.
        mu: μ, the smoothing. Defaults to 1.0.
        warmup_iters: training steps of the warm-up. Defaults to 500.
        nadir_iters: the last warm-up steps whose mean losses are the reference (1 ≤ it ≤ ``warmup_iters``
            when there is a warm-up). Defaults to 100.
        log_losses: ``f_k = log(L_k / L̄_k + ε)`` (True) or ``L_k / L̄_k``. Defaults to True.
        eps: ε inside the logarithm. Defaults to 1e-20.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, mu: float = 1.0,
                 warmup_iters: int = 500, nadir_iters: int = 100, log_losses: bool = True, eps: float = 1e-20):
        super().__init__(task_names, task_weights)
        if not mu > 0:
            raise ValueError(f'STCHBalancer: mu must be > 0, got {mu}')
        if not isinstance(warmup_iters, int) or warmup_iters < 0:
            raise ValueError(f'STCHBalancer: warmup_iters must be an int >= 0, got {warmup_iters!r}')
        if warmup_iters and not (isinstance(nadir_iters, int) and 1 <= nadir_iters <= warmup_iters):
            raise ValueError(f'STCHBalancer: nadir_iters must be an int in [1, warmup_iters={warmup_iters}], '
                             f'got {nadir_iters!r}')
        if not eps >= 0:
            raise ValueError(f'STCHBalancer: eps must be >= 0, got {eps}')
        self.mu, self.warmup_iters, self.nadir_iters = float(mu), warmup_iters, nadir_iters if warmup_iters else 0
        self.log_losses, self.eps = bool(log_losses), float(eps)
        k = len(self.task_names)
        self.register_buffer('steps', torch.tensor(0))
        self.register_buffer('loss_sums', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('loss_counts', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('reference', torch.ones(k, dtype=torch.float64))
        self._weights = dict(self.task_weights)

    @property
    def warming_up(self) -> bool:
        """Whether the next training step is a warm-up step (the plain sum)."""
        return int(self.steps) < self.warmup_iters

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        tasks = list(losses)
        idx = [self.task_names.index(t) for t in tasks]
        reference = self.reference[idx]
        local = local_loss_values(losses, tasks)
        if self.log_losses:
            check_positive('STCHBalancer', tasks, local, self.eps * reference.cpu())
        warming_up = self.warming_up
        if self.training and warming_up:
            self._note_warmup_losses(losses)
        ref = reference.tolist()
        prefs = torch.tensor([self.task_weights[t] for t in tasks], dtype=torch.float64)
        if self.log_losses:
            f = [torch.log(losses[t] / ref[i] + self.eps) for i, t in enumerate(tasks)]
            df = [1.0 / (float(v) + self.eps * ref[i]) for i, v in enumerate(local.tolist())]
        else:
            f = [losses[t] / ref[i] for i, t in enumerate(tasks)]
            df = [1.0 / r for r in ref]
        if warming_up:
            objective = sum(float(p) * fk for p, fk in zip(prefs, f))
            on_f = prefs
        else:
            scaled = torch.stack([float(p) * fk.reshape(()) for p, fk in zip(prefs, f)]) / self.mu
            objective = len(tasks) * self.mu * torch.logsumexp(scaled, 0)
            on_f = len(tasks) * prefs * torch.softmax(scaled.detach().to(torch.float64).cpu(), 0)
        self._weights.update({t: float(on_f[i]) * df[i] for i, t in enumerate(tasks)})
        return objective

    def _note_warmup_losses(self, losses: dict[str, torch.Tensor]) -> None:
        """Count a warm-up step; add its losses to the reference over the last ``nadir_iters`` steps."""
        self.steps += 1
        step = int(self.steps)
        if step > self.warmup_iters - self.nadir_iters:
            for t, value in self.global_losses(losses).items():  # the global batch's, in a distributed run
                k = self.task_names.index(t)
                self.loss_sums[k] += value
                self.loss_counts[k] += 1
        if step == self.warmup_iters:
            seen = self.loss_counts > 0
            self.reference[seen] = self.loss_sums[seen] / self.loss_counts[seen]

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
