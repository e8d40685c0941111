"""PCGrad: projecting conflicting gradients.

Yu, Kumar, Gupta, Levine, Hausman & Finn, "Gradient Surgery for Multi-Task Learning", NeurIPS 2020.
"""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .gradient_balancer import GradientBalancer


def project_conflicting(gradients: list[torch.Tensor], order: Sequence[Sequence[int]] | None = None,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """PCGrad's update ``Σ_i g_i^PC`` from the flat task gradients ``g_i`` (Alg. 1).

    For every task i, ``g_i^PC`` starts as ``g_i``; for each other task j (in
    ``order[i]``; by default a random order from ``generator``), if ``g_i^PC · g_j < 0`` the component
    along ``g_j`` is removed: ``g_i^PC −= (g_i^PC · g_j) / ‖g_j‖² · g_j``.
    Projections use the original ``g_j``, as the paper's algorithm.
    """
    stacked = torch.stack(gradients)
    return projection_coefficients(gradients, order, generator).to(stacked.device) @ stacked


def projection_coefficients(gradients: list[torch.Tensor], order: Sequence[Sequence[int]] | None = None,
                            generator: torch.Generator | None = None) -> torch.Tensor:
    """The coefficients ``c`` (K) with ``Σ_i g_i^PC = Σ_j c_j g_j``: PCGrad as a weighting of the task gradients.

    Every projection subtracts a multiple of an original ``g_j``, so each ``g_i^PC`` stays a linear
    combination ``Σ_j a_ij g_j`` (``a_i`` starts as the unit vector ``e_i``); the update's coefficients are
    ``c = Σ_i a_i``. The dot products ``g_i^PC · g_j = a_i · (G e_j)`` come from the Gramian ``G``.
    """
    k = len(gradients)
    if order is None:
        order = [[j for j in torch.randperm(k, generator=generator).tolist() if j != i] for i in range(k)]
    stacked = torch.stack(gradients)
    gramian = (stacked @ stacked.T).cpu()  # K × K: the projections run on the CPU, one transfer
    coefficients = torch.zeros(k, dtype=stacked.dtype)
    for i in range(k):
        a = torch.zeros(k, dtype=stacked.dtype)
        a[i] = 1.0
        for j in order[i]:
            dot = a @ gramian[:, j]
            norm = gramian[j, j]
            if dot < 0 and norm > 0:
                a[j] -= dot / norm
        coefficients += a
    return coefficients


@BALANCERS.register_module()
class PCGradBalancer(GradientBalancer):
    """PCGrad on the shared parameters; the objective ``Σ_k λ_k L_k`` for the task-specific ones.

    Each task's gradient of the shared parameters (the backbone) is computed
    separately, conflicting components are projected away
    (:func:`project_conflicting`) and the sum of the projected gradients is
    the shared parameters' gradient. Heads get their own task's gradient, as
    in the paper. In a distributed run each task gradient is averaged over
    the processes before the projection, so every process takes the same step.
    The random order of projections comes from ``seed`` and the step count (a
    buffer): identical on every process and after a resume. The logged weights are the effective
    ones: PCGrad's update is ``Σ_j c_j g_j`` (:func:`projection_coefficients`), and task j's loss
    effectively got ``c_j λ_j``.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's loss). Defaults to 1.
        seed: seed of the projection order. Defaults to 0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, seed: int = 0):
        super().__init__(task_names, task_weights)
        self.seed = seed
        self.register_buffer('steps', torch.tensor(0))
        self._weights = dict(self.task_weights)

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks = list(task_gradients)
        shapes = [g.shape for g in task_gradients[tasks[0]]]
        flat = [torch.cat([g.reshape(-1) for g in task_gradients[t]]) for t in tasks]
        generator = torch.Generator().manual_seed(self.seed * 1000003 + int(self.steps))
        self.steps += 1
        coefficients = projection_coefficients(flat, generator=generator)
        combined = coefficients.to(flat[0].device, flat[0].dtype) @ torch.stack(flat)
        self._weights = {t: float(coefficients[k]) * self.task_weights[t] for k, t in enumerate(tasks)}
        return [chunk.view(shape) for chunk, shape in zip(torch.split(combined, [s.numel() for s in shapes]), shapes)]

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
