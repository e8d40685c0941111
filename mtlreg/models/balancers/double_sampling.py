"""Balancers that weigh the tasks from the gradients of two independent parts of the batch (MoDo, SDMGrad)."""
from __future__ import annotations

from typing import Any, Sequence

import torch

from .aggregator_mixins import AggregatorStateMixin
from .jacobian_balancer import JacobianBalancer


class DoubleSamplingBalancer(AggregatorStateMixin, JacobianBalancer):
    """Task weights ``w`` from ``A = J_1 J_2ᵀ``, the update ``wᵀ J_3``: three independent parts of the batch.

    Stochastic multi-objective methods with a convergence guarantee estimate the Gramian from two
    independent samples (``J_1 J_2ᵀ`` is an unbiased estimate of ``J Jᵀ``, ``J_1 J_1ᵀ`` is not) and take
    the step with the gradients of a third one (MoDo, SDMGrad; LibMTL trains them on three batches per
    step). Here the parts are disjoint, near-equal thirds of every training batch, from one forward pass
    (``loss_samples``; ``GradientBalancer.combine_samples``). With ``samples=2`` the update is the mean of
    the two parts' weighted gradients, ``wᵀ (J_1 + J_2) / 2``. The weighting is torchjd's and keeps its
    weights from step to step (saved in the checkpoint). ``weight_<task>`` logs ``w_k λ_k``.

    A subclass sets ``self.aggregator`` to a torchjd ``WeightedAggregator`` over the matrix weighting
    and names its state (:meth:`state_attribute`).
    """

    #: the attribute of the torchjd weighting that holds the weights it iterates on
    state_attribute: str = ''

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, samples: int = 3):
        super().__init__(task_names, task_weights)
        if samples not in (2, 3):
            raise ValueError(f'{type(self).__name__}: samples must be 2 (the update from the same two parts) or 3 '
                             f'(from a third part), got {samples!r}')
        self.loss_samples = samples

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        raise ValueError(f'{type(self).__name__} needs the gradients of {self.loss_samples} independent parts of the '
                         'batch; train it through the model, which splits the batch')

    def combine_samples(self, samples: list[dict[str, list[torch.Tensor]]]) -> list[torch.Tensor]:
        tasks = self.row_tasks(samples[0])
        shapes = [g.shape for g in samples[0][tasks[0]]]
        jacobians = [torch.stack([torch.cat([g.reshape(-1) for g in part[t]]) for t in tasks]) for part in samples]
        self.place_aggregator_state(jacobians[0])
        weights = self.aggregator.weighting(jacobians[0] @ jacobians[1].T)
        direction = jacobians[2] if len(jacobians) == 3 else (jacobians[0] + jacobians[1]) / 2
        combined = weights.to(direction.dtype) @ direction
        self._weights = {t: float(weights[k]) * self.task_weights[t] for k, t in enumerate(tasks)}
        chunks = torch.split(combined, [s.numel() for s in shapes])
        return [chunk.view(shape) for chunk, shape in zip(chunks, shapes)]

    def aggregator_state(self) -> dict[str, Any]:
        return {'weights': getattr(self.aggregator.weighting, self.state_attribute)}

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        weights = state['weights']
        self.check_state_shape('weights', weights, (len(self.task_names),))
        weighting = self.aggregator.weighting
        weighting.reset()
        if weights is not None:
            setattr(weighting, self.state_attribute, weights.detach().clone())

    def place_aggregator_state(self, jacobian: torch.Tensor) -> None:
        # torchjd restarts the weights unless its key (tasks, dtype, device) matches the matrix it gets
        weighting = self.aggregator.weighting
        weights = getattr(weighting, self.state_attribute)
        if weights is not None:
            setattr(weighting, self.state_attribute, weights.to(jacobian.device, jacobian.dtype))
            weighting._state_key = (len(weights), jacobian.dtype, jacobian.device)
