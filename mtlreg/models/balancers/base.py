"""The interface of a loss balancer."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn


class BaseBalancer(nn.Module):
    """Turns per-task scalar losses into one objective and reports its weights.

    ``forward(losses)`` takes ``{task: scalar loss}`` (only the tasks present in
    the batch) and returns the objective. ``current_weights()`` reports the
    weight each task got in the latest call; the model logs them as
    ``weight_<task>`` (log and TensorBoard).

    The balancer also takes the optimisation step (:meth:`update`): a loss-level
    balancer backpropagates the objective through the optimiser wrapper. A
    balancer that works on gradients rather than losses (PCGrad, GradNorm, ...)
    derives from :class:`~mtlreg.models.balancers.gradient_balancer.GradientBalancer`
    and implements :meth:`shared_gradients`, which combines every task's gradient
    of the shared parameters; the other parameters get the gradient of the
    objective as usual.

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

    #: whether :meth:`update` needs the shared representation the heads read (see ``GradientBalancer``)
    needs_representation: bool = False
    #: independent parts of every batch whose task losses :meth:`update` needs (1: none; MoDo, SDMGrad: 3)
    loss_samples: int = 1

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper,
               representation: torch.Tensor | None = None,
               sample_losses: list[dict[str, torch.Tensor]] | None = None,
               regularization: torch.Tensor | None = None) -> None:
        """One optimisation step of the objective ``forward`` returned (backward, step, zero the gradients).

        The optimiser wrapper scales the loss (gradient accumulation, an AMP loss scaler) and decides
        when to step. ``task_losses``, ``shared_parameters`` (a function listing the shared
        parameters, so a loss-level step does not build the list) and ``representation`` (the
        features every task's head reads, when the backbone gives all tasks one, and only when
        :attr:`needs_representation`) and ``sample_losses`` (the task losses of each of
        :attr:`loss_samples` disjoint parts of the batch, when more than one) and ``regularization`` (the
        terms of the objective a policy or backbone added, whose gradient a combination must keep) are
        for gradient-level balancers.
        """
        optim_wrapper.update_params(objective)

    def gradient_losses(self, losses: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The per-task losses whose gradients :meth:`shared_gradients` combines. Defaults to ``λ_k L_k``."""
        return {t: self.task_weights[t] * loss for t, loss in losses.items()}

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        """Combine ``{task: [gradient of each shared parameter]}`` into one gradient per shared parameter.

        Called by :meth:`GradientBalancer.update <mtlreg.models.balancers.gradient_balancer.GradientBalancer.update>`;
        the per-task gradients are already averaged over the processes of a distributed run.
        """
        raise NotImplementedError

    def global_losses(self, losses: dict[str, torch.Tensor]) -> dict[str, float]:
        """The detached task losses averaged over the processes of a distributed run that have them.

        A balancer that keeps statistics of the losses (DWA's epoch means, FAMO's and STCH's loss history, ...)
        must keep those of the global batch, or every process would weigh the tasks differently and the
        averaged gradient would follow none of them. Every process must call it in the same step (a collective).
        """
        values = torch.zeros(2, len(self.task_names), dtype=torch.float64)
        for t, loss in losses.items():
            k = self.task_names.index(t)
            values[0, k], values[1, k] = float(loss.detach()), 1.0
        if torch.distributed.is_available() and torch.distributed.is_initialized() \
                and torch.distributed.get_world_size() > 1:
            device = 'cuda' if torch.distributed.get_backend() == 'nccl' else 'cpu'
            values = values.to(device)
            torch.distributed.all_reduce(values)
            values = values.cpu()
        return {t: float(values[0, k] / values[1, k]) for k, t in enumerate(self.task_names) if values[1, k] > 0}

    def check_tasks(self, losses: dict[str, torch.Tensor]) -> None:
        """Raise naming the tasks the balancer does not know."""
        unknown = [t for t in losses if t not in self.task_weights]
        if unknown:
            raise KeyError(f'{type(self).__name__}: losses for unknown tasks {unknown}; tasks are {self.task_names}')
