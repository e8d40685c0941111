"""The interface of a loss balancer."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class BaseBalancer(nn.Module):
    """Turns per-task scalar losses into one objective and reports its weights.

    ``forward(losses)`` takes ``{task: scalar loss}`` (only the tasks present in
    the batch) and returns the objective. ``current_weights()`` reports the
    weight each task got in the latest call, for logging.

    Args:
        task_names: the tasks, in the model's order.
        task_weights: static weights λ_k from the task declarations.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None):
        super().__init__()
        self.task_names = list(task_names)
        task_weights = task_weights or {}
        self.task_weights = {t: float(task_weights.get(t, 1.0)) for t in self.task_names}

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def current_weights(self) -> dict[str, float]:
        raise NotImplementedError
