"""Uncertainty weighting.

Kendall, Gal & Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses", CVPR 2018.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .base import BaseBalancer

#: the factor of exp(−s) · L per task type: 1/(2σ²) for regression (Eq. 5), 1/σ² for classification (Eq. 10)
_FACTORS = {'regression': 0.5, 'classification': 1.0}


@BALANCERS.register_module()
class UncertaintyBalancer(BaseBalancer):
    """``Σ_k λ_k (c_k · exp(−s_k) · L_k + s_k / 2)`` with learnable ``s_k = log σ_k²``.

    Kendall et al. derive ``L / (2σ²) + log σ`` for a regression task (Gaussian
    likelihood, Eq. 5) and ``L / σ² + log σ`` for a classification task
    (scaled softmax, Eq. 10); with ``s = log σ²``, ``log σ = s / 2`` and the
    factor ``c`` is 1/2 or 1. The default treats every task as regression
    (``c = 1/2``), the form most implementations use for every task;
    ``task_types={task: 'classification'}`` gives a task the paper's
    classification factor. The ``s_k`` are ordinary weights of the model
    (trained by the weights' optimiser). Reported weights: ``λ_k c_k exp(−s_k)``.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        init_log_var: initial s_k. Defaults to -0.5.
        task_types: ``{task: 'regression' | 'classification'}``; unlisted
            tasks are regression. Defaults to None.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 init_log_var: float = -0.5, task_types: dict[str, str] | None = None):
        super().__init__(task_names, task_weights)
        task_types = dict(task_types or {})
        unknown = sorted(set(task_types) - set(self.task_names))
        if unknown:
            raise KeyError(f'UncertaintyBalancer.task_types: unknown tasks {unknown}; tasks are {self.task_names}')
        bad = {t: v for t, v in task_types.items() if v not in _FACTORS}
        if bad:
            raise ValueError(f'UncertaintyBalancer.task_types: expected {sorted(_FACTORS)} per task, got {bad}')
        self.factors = {t: _FACTORS[task_types.get(t, 'regression')] for t in self.task_names}
        self.log_vars = nn.Parameter(torch.full((len(self.task_names),), float(init_log_var)))

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        total = 0.0
        for t, loss in losses.items():
            s = self.log_vars[self.task_names.index(t)]
            total = total + self.task_weights[t] * (self.factors[t] * torch.exp(-s) * loss + s / 2)
        return total

    def current_weights(self) -> dict[str, float]:
        return {t: self.task_weights[t] * self.factors[t] * float(torch.exp(-self.log_vars[k].detach()))
                for k, t in enumerate(self.task_names)}
