"""Static loss weighting: Σ_k λ_k L_k."""
from __future__ import annotations

import torch

from mtlreg.registry import BALANCERS
from .base import BaseBalancer


@BALANCERS.register_module()
class StaticBalancer(BaseBalancer):
    """Weighted sum of task losses with the fixed weights λ_k of the task declarations."""

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def current_weights(self) -> dict[str, float]:
        return dict(self.task_weights)
