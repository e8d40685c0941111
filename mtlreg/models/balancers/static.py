"""Static loss weighting: Σ_k λ_k L_k."""
from __future__ import annotations

import torch

from mtlreg.registry import BALANCERS
from .base import BaseBalancer


@BALANCERS.register_module()
class StaticBalancer(BaseBalancer):
    """Weighted sum of task losses with the fixed weights λ_k of the task declarations."""

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        unknown = [t for t in losses if t not in self.task_weights]
        if unknown:
            raise KeyError(f'StaticBalancer: losses for unknown tasks {unknown}; tasks are {self.task_names}')
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def current_weights(self) -> dict[str, float]:
        return dict(self.task_weights)
