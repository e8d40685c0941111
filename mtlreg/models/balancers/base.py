"""The interface of a loss balancer."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class BaseBalancer(nn.Module):
    """Turns per-task scalar losses into one objective and reports its weights.

    ``forward(losses)`` takes ``{task: scalar loss}`` (only the tasks present in
    the batch) and returns the objective. ``current_weights()`` reports the
    weight each task got in the latest call; the model logs them as
    ``weight_<task>`` (log and TensorBoard).

    A balancer that works on gradients rather than losses (PCGrad, GradNorm,
    ...) sets ``gradient_level = True`` and implements :meth:`shared_gradients`:
    the model then computes every task's gradient of the shared parameters
    and lets the balancer combine them; the other parameters get the
    gradient of the objective as usual.

    Args:
        task_names: the tasks, in the model's order.
        task_weights: static weights λ_k from the task declarations.
    """

    #: whether the balancer combines per-task gradients of the shared parameters
    gradient_level: bool = False

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None):
        super().__init__()
        self.task_names = list(task_names)
        task_weights = task_weights or {}
        self.task_weights = {t: float(task_weights.get(t, 1.0)) for t in self.task_names}

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def current_weights(self) -> dict[str, float]:
        raise NotImplementedError

    def gradient_losses(self, losses: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The per-task losses whose gradients :meth:`shared_gradients` combines. Defaults to ``λ_k L_k``."""
        return {t: self.task_weights[t] * loss for t, loss in losses.items()}

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        """Combine ``{task: [gradient of each shared parameter]}`` into one gradient per shared parameter.

        Called only when ``gradient_level`` is set; the per-task gradients are
        already averaged over the processes of a distributed run.
        """
        raise NotImplementedError

    def check_tasks(self, losses: dict[str, torch.Tensor]) -> None:
        """Raise naming the tasks the balancer does not know."""
        unknown = [t for t in losses if t not in self.task_weights]
        if unknown:
            raise KeyError(f'{type(self).__name__}: losses for unknown tasks {unknown}; tasks are {self.task_names}')
