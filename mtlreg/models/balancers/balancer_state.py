"""Helpers for balancers that keep a state from step to step.

Tracked per-task gradients of the shared parameters (a buffer whose size is known only at the first step,
over every shared parameter), whether the optimiser wrapper stepped, the check that losses can go
through a logarithm, and the flattening of per-task gradients.
"""
from __future__ import annotations

from typing import Sequence

import torch



def local_loss_values(losses: dict[str, torch.Tensor], tasks: Sequence[str]) -> torch.Tensor:
    """The detached losses of ``tasks`` (this process's) as a float64 vector on the CPU."""
    return torch.tensor([float(losses[t].detach()) for t in tasks], dtype=torch.float64)


def check_positive(balancer: str, tasks: Sequence[str], values: torch.Tensor, shift=0.0) -> None:
    """Raise naming the balancer and the tasks whose loss plus ``shift`` (ε) is not positive and finite (a log's input)."""
    shifted = (values + shift).tolist()
    bad = {t: float(v) for t, v, s in zip(tasks, values.tolist(), shifted) if not 0 < s < float('inf')}
    if bad:
        raise ValueError(f'{balancer}: takes the logarithm of every task loss, which must be positive and finite; '
                         f'got {bad}')


def stepped(optim_wrapper) -> bool:
    """Whether the wrapper's latest backward was followed by a parameter step (not only accumulated)."""
    should_update = getattr(optim_wrapper, 'should_update', None)
    return True if should_update is None else bool(should_update())


def flatten_gradients(task_gradients: dict[str, list[torch.Tensor]]) -> tuple[list[str], torch.Tensor, list]:
    """``(tasks, G, shapes)``: the tasks in order, their gradients as the rows of ``G`` and the parameter shapes."""
    tasks = list(task_gradients)
    shapes = [g.shape for g in task_gradients[tasks[0]]]
    matrix = torch.stack([torch.cat([g.reshape(-1) for g in task_gradients[t]]) for t in tasks])
    return tasks, matrix, shapes


def unflatten(vector: torch.Tensor, shapes: list) -> list[torch.Tensor]:
    """Split a flat gradient into one tensor per parameter shape."""
    return [chunk.view(shape) for chunk, shape in zip(torch.split(vector, [s.numel() for s in shapes]), shapes)]


class TrackedGradients:
    """Mixin for a :class:`GradientBalancer` that tracks every task's gradient of the shared parameters.

    * The combination covers every shared parameter at every step (``GradientBalancer`` otherwise leaves
      out a parameter that only one task reaches in a step), so that a tracked value always belongs to
      the same parameter value.
    * The buffers named in ``resizable_buffers`` are registered with one row per task and 0 columns and
      get their full size at the first step (:meth:`tracked_state`). Loading a state_dict gives them the
      stored shape and dtype first (same dimensions, same rows), so a strict load works both ways: a state from
      before the first step into a used balancer and a state after steps into a fresh one.
    """

    resizable_buffers: tuple[str, ...] = ()
    combines_every_shared_parameter = True

    def tracked_state(self, name: str, gradients: torch.Tensor) -> torch.Tensor:
        """The tracked-gradient buffer ``name`` (K × n), to update in place.

        In training mode it is the buffer itself (a buffer of size 0, before the first step, is replaced by
        zeros of the gradients' size and dtype); in evaluation mode it is a copy, so that the call leaves the
        state as it was. A buffer of another size is an error naming the balancer.
        """
        current = getattr(self, name)
        n = gradients.shape[1]
        if current.shape[1] == 0:
            current = torch.zeros(current.shape[0], n, dtype=gradients.dtype, device=gradients.device)
            if self.training:
                setattr(self, name, current)
            return current
        if current.shape[1] != n:
            raise ValueError(f'{type(self).__name__}: the shared parameters have {n} values, but the tracked '
                             f'gradients ({name}) have {current.shape[1]}')
        return current if self.training else current.clone()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        for name in self.resizable_buffers:
            incoming = state_dict.get(prefix + name)
            current = self._buffers.get(name)
            if (isinstance(incoming, torch.Tensor) and current is not None and incoming.dim() == current.dim()
                    and incoming.shape[:1] == current.shape[:1] and incoming.shape != current.shape):
                self._buffers[name] = torch.zeros(incoming.shape, dtype=incoming.dtype, device=current.device)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)
