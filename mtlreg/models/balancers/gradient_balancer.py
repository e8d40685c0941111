"""The step of balancers that combine per-task gradients of the shared parameters."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from .base import BaseBalancer


class GradientBalancer(BaseBalancer):
    """A balancer that combines every task's gradient of the shared parameters (PCGrad, GradNorm, ...).

    Subclasses implement :meth:`shared_gradients` (and may override
    :meth:`gradient_losses`); :meth:`update` collects the per-task gradients,
    averages them over the processes of a distributed run *before* they are
    combined (so every process combines the gradients of the global batch), and
    gives the combination to the shared parameters. The other parameters get the
    gradient of the objective.
    """

    gradient_level = True

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper) -> None:
        """One step with the combination of per-task gradients on the shared parameters.

        Every task's gradient of the shared parameters is taken separately (scaled as the wrapper
        scales the objective: gradient accumulation, an AMP loss scaler), averaged over processes and
        combined by :meth:`shared_gradients`; the other parameters get the objective's gradient. With
        accumulation the combined gradient adds to what earlier micro-steps accumulated.
        """
        shared = [p for p in shared_parameters() if p.requires_grad]
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        combined = []
        if shared:
            grads = {}
            for task, loss in self.gradient_losses(task_losses).items():
                loss = optim_wrapper.scale_loss(loss)
                if scaler is not None:
                    loss = scaler.scale(loss)
                got = torch.autograd.grad(loss, shared, retain_graph=True, allow_unused=True)
                grads[task] = [torch.zeros_like(p) if g is None else g for g, p in zip(got, shared)]
            average_over_processes(grads)
            combined = self.shared_gradients(grads)
        before = [None if p.grad is None else p.grad.clone() for p in shared]
        optim_wrapper.backward(optim_wrapper.scale_loss(objective))
        for p, g, old in zip(shared, combined, before):
            p.grad = g.to(p.dtype) if old is None else old + g.to(p.dtype)
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()


def average_over_processes(grads: dict[str, list[torch.Tensor]]) -> None:
    """Average every task's gradients over the processes of a distributed run, in place."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    world = torch.distributed.get_world_size()
    if world == 1:
        return
    for task, tensors in grads.items():
        flat = torch.cat([g.reshape(-1) for g in tensors])
        torch.distributed.all_reduce(flat)
        flat /= world
        grads[task] = [chunk.view_as(g) for chunk, g in zip(torch.split(flat, [g.numel() for g in tensors]), tensors)]
