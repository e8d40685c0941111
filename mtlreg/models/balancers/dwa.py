"""Dynamic Weight Average (Liu, Johns & Davison, "End-to-End Multi-Task Learning with Attention", CVPR 2019)."""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .base import BaseBalancer


@BALANCERS.register_module()
class DWABalancer(BaseBalancer):
    """``w_k(t) = K·exp(r_k(t−1)/T) / Σ_i exp(r_i(t−1)/T)``, ``r_k(t−1) = L_k(t−1) / L_k(t−2)`` (Eq. 7).

    ``L_k(t)`` is task k's mean training loss over "epoch" t. For iteration-based
    training an epoch is a window of ``window`` training iterations (calls in
    training mode): the weights change at the end of every window, from the
    means of the last two complete windows, and are 1 during the first two
    windows (as the paper's first two epochs). The objective is
    ``Σ_k λ_k w_k L_k``. A task absent from a window (per-task batches) keeps
    ratio 1. The running sums are buffers, so a resumed run continues exactly. In a distributed run
    the losses are averaged over the processes first, so every process computes the same weights.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        temperature: T. Defaults to 2.0.
        window: training iterations per averaging window. Defaults to 100.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 temperature: float = 2.0, window: int = 100):
        super().__init__(task_names, task_weights)
        if temperature <= 0:
            raise ValueError(f'DWABalancer: temperature must be > 0, got {temperature}')
        if not isinstance(window, int) or window < 1:
            raise ValueError(f'DWABalancer: window must be an int >= 1, got {window!r}')
        self.temperature, self.window = float(temperature), window
        k = len(self.task_names)
        self.register_buffer('loss_sums', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('loss_counts', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('window_means', torch.full((2, k), float('nan'), dtype=torch.float64))
        self.register_buffer('windows_done', torch.tensor(0))
        self.register_buffer('steps', torch.tensor(0))
        self.register_buffer('weights', torch.ones(k, dtype=torch.float64))

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        self._used = self.weights.clone()  # what current_weights reports: the closing of a window changes weights
        total = sum(self.task_weights[t] * float(self._used[self.task_names.index(t)]) * loss
                    for t, loss in losses.items())
        if self.training:
            for t, loss in self.global_losses(losses).items():  # the global batch's, in a distributed run
                k = self.task_names.index(t)
                self.loss_sums[k] += loss
                self.loss_counts[k] += 1
            self.steps += 1
            if int(self.steps) == self.window:
                self._close_window()
        return total

    def _close_window(self) -> None:
        means = torch.where(self.loss_counts > 0, self.loss_sums / self.loss_counts.clamp_min(1),
                            torch.full_like(self.loss_sums, float('nan')))
        self.window_means.copy_(torch.stack([self.window_means[1], means]))
        self.windows_done += 1
        self.loss_sums.zero_()
        self.loss_counts.zero_()
        self.steps.zero_()
        if int(self.windows_done) >= 2:
            self.weights.copy_(dwa_weights(self.window_means[1], self.window_means[0], self.temperature))

    def current_weights(self) -> dict[str, float]:
        """The weights the latest call used (those of the next window once it closed a window are in ``weights``)."""
        used = getattr(self, '_used', self.weights)
        return {t: self.task_weights[t] * float(used[k]) for k, t in enumerate(self.task_names)}


def dwa_weights(latest: torch.Tensor, previous: torch.Tensor, temperature: float) -> torch.Tensor:
    """``K · softmax(r / T)`` with ``r = latest / previous``; a ratio that is not finite counts as 1."""
    ratio = latest / previous
    ratio = torch.where(torch.isfinite(ratio), ratio, torch.ones_like(ratio))
    return len(ratio) * torch.softmax(ratio / temperature, dim=0)
