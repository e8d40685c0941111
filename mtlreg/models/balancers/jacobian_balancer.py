"""Balancers that aggregate the Jacobian of the task losses with respect to the shared parameters."""
from __future__ import annotations

from typing import Sequence

import torch

from .gradient_balancer import GradientBalancer


def torchjd_aggregation():
    """``torchjd.aggregation``, imported when a Jacobian balancer is built (it loads a QP solver)."""
    import torchjd.aggregation
    return torchjd.aggregation


class JacobianBalancer(GradientBalancer):
    """Stacks the per-task gradients of the shared parameters into the Jacobian ``J`` (K × n) and aggregates it.

    The aggregation is a torchjd aggregator (``self.aggregator``; Quinton & Rey, "Jacobian Descent for
    Multi-Objective Optimization", 2024): a subclass builds it. Where the aggregator is a weighting of
    the rows of ``J`` (``d = wᵀ J``: MGDA, UPGrad, IMTL-G, ...) the weights ``w`` are logged as the
    effective task weights (times the static λ_k, since the rows are the gradients of ``λ_k L_k``);
    aggregators that are not a weighting of the rows (ConFIG) log the static weights. The task-specific
    parameters get the gradient of ``Σ_k λ_k L_k``. In a distributed run the rows are averaged over the
    processes before the aggregation (``GradientBalancer.update``), so every process aggregates the
    Jacobian of the global batch.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None):
        super().__init__(task_names, task_weights)
        self.aggregator = None
        self._weights = dict(self.task_weights)

    def preference(self, pref_vector: Sequence[float] | None) -> torch.Tensor | None:
        """A preference over the tasks as a tensor (None: the aggregator's default), one value per task."""
        if pref_vector is None:
            return None
        pref = torch.as_tensor(pref_vector, dtype=torch.float32)
        if pref.shape != (len(self.task_names),):
            raise ValueError(f'{type(self).__name__}: pref_vector needs one value per task {self.task_names}, '
                             f'got {list(pref_vector)}')
        return pref

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The aggregated gradient ``d`` (n) of ``jacobian`` (K × n) and the row weights (K), or None."""
        weighted = torchjd_aggregation().WeightedAggregator
        if isinstance(self.aggregator, weighted):
            weights = self.aggregator.weighting(jacobian)
            return weights @ jacobian, weights
        return self.aggregator(jacobian), None

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks = list(task_gradients)
        shapes = [g.shape for g in task_gradients[tasks[0]]]
        jacobian = torch.stack([torch.cat([g.reshape(-1) for g in task_gradients[t]]) for t in tasks])
        combined, weights = self.aggregate(jacobian)
        if weights is not None:
            self._weights = {t: float(weights[k]) * self.task_weights[t] for k, t in enumerate(tasks)}
        chunks = torch.split(combined.to(jacobian.dtype), [s.numel() for s in shapes])
        return [chunk.view(shape) for chunk, shape in zip(chunks, shapes)]

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
