"""Geometric loss strategy (GLS).

Chennupati, Sistu, Yogamani & Rawashdeh, "MultiNet++: Multi-Stream Feature Aggregation and Geometric Loss
Strategy for Multi-Task Learning", CVPR Workshops 2019: the total loss is the geometric mean of the task
losses, ``L = (Π_{k=1}^{K} L_k)^{1/K}``.
"""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .balancer_state import check_positive
from .base import BaseBalancer


@BALANCERS.register_module()
class GLSBalancer(BaseBalancer):
    """``L = (Π_k L_k)^{1/K}``, computed as ``exp(Σ_k λ_k log(L_k + ε) / Σ_k λ_k)``.

    The geometric mean of the task losses (Chennupati et al.), evaluated in the log domain so that a
    product of many small or large losses neither underflows nor overflows. With static weights λ_k it is
    the weighted geometric mean ``(Π_k (L_k + ε)^{λ_k})^{1/Σλ}`` (the paper's form for λ = 1); K counts
    the tasks present in the batch. ε (default 1e-8) keeps the logarithm finite for a loss of 0; with
    ``eps=0`` the objective is exactly the paper's. A negative loss is an error.

    Logged weights are the effective ones, ``∂L/∂L_k = λ_k L / (Σλ · (L_k + ε))``: the geometric mean weighs
    each task inversely to its own loss. Before the first call they are ``λ_k / Σλ`` (the value at equal
    losses). The balancer has no state.

    Paper and code: LibMTL computes ``(Π_k L_k)^{1/K}`` directly (no log domain) and logs
    ``L_k / (K Π_j L_j)``, which is not the gradient weight; the objective is the same.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (exponents of the weighted geometric mean). Defaults to 1.
        eps: ε added to every loss inside the logarithm. Defaults to 1e-8.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, eps: float = 1e-8):
        super().__init__(task_names, task_weights)
        if not eps >= 0:
            raise ValueError(f'GLSBalancer: eps must be >= 0, got {eps}')
        negative = {t: w for t, w in self.task_weights.items() if w < 0}
        if negative:
            raise ValueError(f'GLSBalancer: task weights are exponents of a geometric mean and must be >= 0, '
                             f'got {negative}')
        self.eps = float(eps)
        total = sum(self.task_weights.values()) or 1.0
        self._weights = {t: self.task_weights[t] / total for t in self.task_names}

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        tasks = list(losses)
        values = torch.stack([losses[t].detach().reshape(()).to(torch.float64) for t in tasks])
        check_positive('GLSBalancer', tasks, values, self.eps)
        total = sum(self.task_weights[t] for t in tasks)
        if total <= 0:
            raise ValueError(f'GLSBalancer: the tasks in the batch {tasks} all have weight 0')
        log_mean = sum(self.task_weights[t] * torch.log(losses[t] + self.eps) for t in tasks) / total
        objective = torch.exp(log_mean)
        value = float(objective.detach())
        self._weights.update({t: self.task_weights[t] * value / (total * (float(v) + self.eps))
                              for t, v in zip(tasks, values.tolist())})
        return objective

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
