"""Random loss weighting (Lin, Ye, Xu, Shi & Zhang, "Reasonable Effectiveness of Random Weighting: A Litmus
Test for Multi-Task Learning", TMLR 2022)."""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .base import BaseBalancer


@BALANCERS.register_module()
class RLWBalancer(BaseBalancer):
    """``L = Σ_k λ_k w_k L_k`` with fresh weights ``w = softmax(ε)``, ``ε ~ N(0, I)``, every training step.

    RLW (Lin et al., Sec. 3, with the standard normal): a random weighting drawn per step; the
    weights sum to 1, as in the paper (and LibMTL). ``scale='num_tasks'`` multiplies them by K, the
    scale of the equal weighting Σ_k L_k that the other balancers use, so learning rates carry over.
    The draws come from ``seed`` and the step count (a buffer), not the global generator: every
    process of a distributed run draws the same weights and a resumed run continues with the same
    sequence. In evaluation mode the weights are 1.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        seed: seed of the draws. Defaults to 0.
        scale: ``'paper'`` (the weights sum to 1) or ``'num_tasks'`` (to K). Defaults to 'paper'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, seed: int = 0,
                 scale: str = 'paper'):
        super().__init__(task_names, task_weights)
        if scale not in ('paper', 'num_tasks'):
            raise ValueError(f"RLWBalancer: scale must be 'paper' or 'num_tasks', got {scale!r}")
        self.seed, self.scale = int(seed), scale
        self.register_buffer('steps', torch.tensor(0))
        self._weights = {t: 1.0 for t in self.task_names}

    def draw(self) -> torch.Tensor:
        """The weights of the current step, one per task (in task order)."""
        generator = torch.Generator().manual_seed(self.seed * 1000003 + int(self.steps))
        weights = torch.randn(len(self.task_names), generator=generator).softmax(0)
        return weights * len(self.task_names) if self.scale == 'num_tasks' else weights

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        if self.training:
            drawn = self.draw()
            self.steps += 1
            self._weights = {t: float(drawn[k]) for k, t in enumerate(self.task_names)}
        else:
            self._weights = {t: 1.0 for t in self.task_names}
        return sum(self.task_weights[t] * self._weights[t] * loss for t, loss in losses.items())

    def current_weights(self) -> dict[str, float]:
        return {t: self.task_weights[t] * w for t, w in self._weights.items()}
