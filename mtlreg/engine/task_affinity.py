"""Lookahead inter-task affinity (Fifty et al., "Efficiently Identifying Task Groupings for Multi-Task
Learning", NeurIPS 2021, Sec. 3.1, Eq. 1–2).

At a training step t with batch X^t, a lookahead step on task i's loss alone moves only the shared
parameters, ``θ_s|i = θ_s − η ∇_{θ_s} L_i(X^t, θ_s, θ_i)`` (Eq. 1), and the affinity of task i onto
task j is the relative change of task j's loss on the same batch,
``Z_{i→j} = 1 − L_j(X^t, θ_s|i, θ_j) / L_j(X^t, θ_s, θ_j)`` (Eq. 2): positive when i's step lowers
j's loss, negative when it raises it. The affinities are averaged over the steps they are measured at.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch


def lookahead_affinity(losses_at: Callable[[], Mapping[str, torch.Tensor]], parameters: Sequence[torch.nn.Parameter],
                       lr: float, tasks: Sequence[str]) -> torch.Tensor:
    """``Z[i, j] = Z_{i→j}`` for one batch (Eq. 2), every parameter left as it was, bit for bit.

    Args:
        losses_at: computes every task's loss on the batch at the current parameters (with gradient);
            called once with gradient and once per task without.
        parameters: the candidates for θ_s. The lookahead moves those that at least two tasks' losses
            reach: the parameters the tasks share in this step (a task's own head is not moved, nor a
            block only one task executes under a policy).
        lr: the lookahead's learning rate η.
        tasks: the tasks, in the order of the matrix's rows and columns.

    A task whose loss is 0 on the batch has nothing to lower: its column is 0. A task whose loss
    reaches no shared parameter makes no step: its row is 0.
    """
    parameters = list(parameters)
    losses = losses_at()
    missing = [t for t in tasks if t not in losses]
    if missing:
        raise KeyError(f'task affinity: the batch has no loss for the tasks {missing} (losses of {sorted(losses)})')
    before = torch.stack([losses[t].detach().double() for t in tasks])
    grads = [torch.autograd.grad(losses[t], parameters, retain_graph=True, allow_unused=True) for t in tasks]
    del losses
    reached = [sum(g[k] is not None for g in grads) for k in range(len(parameters))]
    shared = [k for k, count in enumerate(reached) if count >= 2]
    originals = {k: parameters[k].detach().clone() for k in shared}
    affinity = torch.zeros(len(tasks), len(tasks), dtype=torch.float64)
    for i, task_grads in enumerate(grads):
        with torch.no_grad():
            try:
                for k in shared:
                    if task_grads[k] is not None:
                        parameters[k].copy_(originals[k] - lr * task_grads[k])
                after = losses_at()
                after = torch.stack([after[t].detach().double() for t in tasks])
            finally:  # back to θ_s before the next task's step, and on any error
                for k in shared:
                    parameters[k].copy_(originals[k])
        ratio = torch.where(before != 0, after / torch.where(before != 0, before, 1.0), 1.0)
        affinity[i] = (1.0 - ratio).cpu()
    return affinity


class AffinityAverage:
    """The running mean of the affinity matrices of the steps measured so far (its state resumes)."""

    def __init__(self, tasks: Sequence[str]):
        self.tasks = list(tasks)
        self.total = torch.zeros(len(self.tasks), len(self.tasks), dtype=torch.float64)
        self.count = 0

    def add(self, affinity: torch.Tensor) -> None:
        if tuple(affinity.shape) != (len(self.tasks), len(self.tasks)):
            raise ValueError(f'task affinity: expected a {len(self.tasks)}×{len(self.tasks)} matrix for the tasks '
                             f'{self.tasks}, got shape {tuple(affinity.shape)}')
        self.total += affinity.double().cpu()
        self.count += 1

    def mean(self) -> torch.Tensor:
        return self.total / max(self.count, 1)

    def as_dict(self) -> dict:
        """``{'tasks', 'steps', 'affinity': {i: {j: Z_{i→j}}}}``, the form saved as JSON."""
        mean = self.mean().tolist()
        return {'tasks': self.tasks, 'steps': self.count,
                'affinity': {a: {b: mean[i][j] for j, b in enumerate(self.tasks)} for i, a in enumerate(self.tasks)}}

    def state_dict(self) -> dict:
        return {'tasks': list(self.tasks), 'total': self.total.clone(), 'count': self.count}

    def load_state_dict(self, state: Mapping) -> None:
        if list(state['tasks']) != self.tasks:
            raise ValueError(f'task affinity: the checkpoint measured the tasks {list(state["tasks"])}, '
                             f'this run has {self.tasks}')
        self.total = state['total'].double().clone()
        self.count = int(state['count'])

