"""The interface of a sharing policy: per-task gates over a backbone's unit grid."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class BasePolicy(nn.Module):
    """Owns the per-task architecture parameters and turns them into gates.

    The model builds a policy with the task names and the backbone's unit grid.
    ``gates(task)`` returns a tensor of shape ``unit_grid`` (values in [0, 1]),
    or ``None`` when every unit is fully on. ``regularizers()`` returns the
    policy's own loss terms (already weighted) by name; ``discretize()`` returns
    the boolean mask ``[num_tasks, *unit_grid]`` the search settles on.

    Args:
        task_names: the tasks, in the model's order.
        unit_grid: the backbone's unit grid.
    """

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int]):
        super().__init__()
        self.task_names = list(task_names)
        self.unit_grid = tuple(unit_grid)

    def gates(self, task: str) -> torch.Tensor | None:
        raise NotImplementedError

    def regularizers(self) -> dict[str, torch.Tensor]:
        """Weighted regularisation terms added to the objective. Defaults to none."""
        return {}

    def discretize(self) -> torch.Tensor:
        """The boolean unit mask ``[num_tasks, *unit_grid]``."""
        raise NotImplementedError

    def arch_parameters(self) -> list[nn.Parameter]:
        """Parameters of the architecture (optimised apart from the weights). Defaults to all."""
        return list(self.parameters())

    def task_index(self, task: str) -> int:
        try:
            return self.task_names.index(task)
        except ValueError:
            raise KeyError(f'{type(self).__name__}: unknown task {task!r}; tasks are {self.task_names}') from None
