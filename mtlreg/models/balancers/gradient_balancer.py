"""The step of balancers that combine per-task gradients of the shared parameters or representation."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from .base import BaseBalancer

GRADIENT_TARGETS = ('parameters', 'representation')


class GradientBalancer(BaseBalancer):
    """A balancer that combines every task's gradient (PCGrad, MGDA, GradNorm, ...).

    **With respect to what** (``gradients``):

    - ``'parameters'`` (default): every task's gradient of the parameters *shared in this step*. Of
      the backbone's ``shared_parameters()``, those that at least two of the step's tasks reach
      (a gradient that is not zero after the average over processes): with a learned-sharing policy
      a unit that only one task uses in this step (a block AdaShare's other tasks skip, a DAG edge
      of one task) is that task's own and gets the objective's gradient, as the heads do.
      Subclasses implement :meth:`shared_gradients`.
    - ``'representation'``: the gradients of the shared representation the heads read (the
      features every task gets from one backbone pass; MGDA-UB, Sener & Koltun 2018, Sec. 3.3),
      far cheaper for a large backbone: one backward through each head. Only for a balancer whose
      combination is a weighting computed from the Gramian of the task gradients
      (:meth:`gramian_weights`); the shared parameters get the gradient of ``Σ_k w_k λ_k L_k``. In
      a distributed run the Gramian is the global batch's: the processes' Gramians are summed
      (each scaled by 1/world², as the global loss is the mean of the processes' losses).

    :meth:`update` takes the per-task gradients, averages them over the processes of a distributed
    run *before* they are combined (so every process combines the gradients of the global batch)
    and gives the combination to the shared parameters. The other parameters get the gradient of
    the objective.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        gradients: ``'parameters'`` or ``'representation'``. Defaults to 'parameters'.
    """

    gradient_level = True
    #: whether every shared parameter enters every combination (a balancer that keeps a state per
    #: parameter value, such as tracked gradients, sets it), instead of only those shared in the step
    combines_every_shared_parameter: bool = False
    #: during :meth:`update`: the factor the wrapper scales this step's gradients by (1/accumulation
    #: steps × an AMP loss scale; at the combination of an accumulated update, that of the whole update);
    #: the combination sees unscaled gradients, and a balancer that writes a gradient of its own
    #: parameters (GradNorm's weights) multiplies it by this factor
    gradient_scale: float = 1.0

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights)
        if gradients not in GRADIENT_TARGETS:
            raise ValueError(f'{type(self).__name__}: gradients must be one of {GRADIENT_TARGETS}, got {gradients!r}')
        if gradients == 'representation' and not self.weighs_by_gramian():
            raise ValueError(f"{type(self).__name__}: gradients='representation' needs a balancer whose combination "
                             'is a weighting computed from the Gramian of the task gradients, and this one is not; '
                             "use gradients='parameters'")
        if gradients == 'representation' and self.loss_samples > 1:
            raise ValueError(f"{type(self).__name__}: gradients='representation' is not available to a balancer that "
                             f'needs {self.loss_samples} independent parts of the batch; use gradients=\'parameters\'')
        self.gradients = gradients
        self._pending: PendingUpdate | None = None

    @property
    def needs_representation(self) -> bool:
        return self.gradients == 'representation'

    def weighs_by_gramian(self) -> bool:
        """Whether :meth:`gramian_weights` is implemented (the combination is ``Σ_k w_k g_k``, ``w`` from ``G``)."""
        return type(self).gramian_weights is not GradientBalancer.gramian_weights

    def gramian_weights(self, gramian: torch.Tensor, tasks: Sequence[str]) -> torch.Tensor:
        """The task weights ``w`` (K) from the Gramian ``G = J Jᵀ`` (K × K) of the tasks' gradients, in ``tasks``' order."""
        raise NotImplementedError

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper,
               representation: torch.Tensor | None = None,
               sample_losses: list[dict[str, torch.Tensor]] | None = None,
               regularization: torch.Tensor | None = None) -> None:
        """One step with the combination of per-task gradients on the shared parameters.

        Every task's gradient is taken separately (of the loss scaled as the wrapper scales the
        objective: gradient accumulation, an AMP loss scaler), averaged over processes, unscaled and
        combined, and the combination scaled back; the other parameters get the objective's gradient.
        So a combination sees the true gradients: a balancer whose step is not linear in the gradients
        (Nash-MTL, FairGrad, tracked gradients) takes the same step with or without a loss scaler.

        **Accumulation** (``optim_wrapper.accumulative_counts`` = n > 1): with gradients of the
        parameters, the task gradients of the n micro-steps of one optimiser update are summed and
        combined once, at the update, as the gradients of one batch n times larger: the combination sees
        ``(1/n) Σ_m g_k,m`` for every task k. A task present in only some micro-steps counts 1/n of its
        gradient per micro-step it is in, as it does in the accumulated objective; so per-task batches
        (one task per batch, Gumbel-Matrix's rounds) with n = the number of tasks combine the gradients of
        every task of a round. The other two modes need the forward pass of the micro-step and combine
        every micro-step on its own.
        """
        shared = [p for p in shared_parameters() if p.requires_grad]
        self.gradient_scale = loss_scale(optim_wrapper)
        if self.needs_every_task_in_a_batch and task_losses and set(task_losses) != set(self.task_names):
            missing = [t for t in self.task_names if t not in task_losses]
            raise ValueError(f'{type(self).__name__}: needs the loss of every task {self.task_names} in every batch '
                             f'(it combines the tasks of one forward pass), and this batch lacks {missing}. For '
                             "batches of one task, use gradients='parameters' (and no parts of the batch) with "
                             'optim_wrapper.accumulative_counts = the number of tasks, or a loss-level balancer')
        if self.gradients == 'parameters' and self.loss_samples == 1:
            return self._accumulated_update(task_losses, objective, shared, optim_wrapper, regularization)
        combined = {}
        if shared and task_losses:
            if self.loss_samples > 1:  # the parts' losses, not the whole batch's
                combined = self._sampled_parameter_step(sample_losses, shared, optim_wrapper)
            else:
                losses = {t: self._scaled(loss, optim_wrapper) for t, loss in self.gradient_losses(task_losses).items()}
                combined = self._representation_step(losses, shared, representation)
        if combined and regularization is not None and regularization.requires_grad:
            # terms the model adds to the objective (a policy's or a backbone's) keep their gradient
            indices = list(combined)
            got = torch.autograd.grad(regularization * self.gradient_scale, [shared[i] for i in indices],
                                      retain_graph=True, allow_unused=True)
            for i, g in zip(indices, got):
                if g is not None:
                    combined[i] = combined[i] + g
        before = {i: shared[i].grad.clone() for i in combined if shared[i].grad is not None}
        optim_wrapper.backward(optim_wrapper.scale_loss(objective))
        for i, g in combined.items():
            p = shared[i]
            p.grad = g.to(p.dtype) if i not in before else before[i] + g.to(p.dtype)
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()

    @property
    def needs_every_task_in_a_batch(self) -> bool:
        """Whether every batch must carry every task (the representation's or the parts' combination takes one forward
        pass's tasks; a balancer that reads every task's loss at its combination sets it too)."""
        return self.gradients == 'representation' or self.loss_samples > 1

    def _accumulated_update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
                            shared: list[nn.Parameter], optim_wrapper, regularization: torch.Tensor | None) -> None:
        """The parameter-gradient step: the micro-step's task gradients join the update's; combined at the update."""
        pending = self._pending_update(shared, optim_wrapper)
        if shared and task_losses:
            losses = {t: self._scaled(loss, optim_wrapper) for t, loss in self.gradient_losses(task_losses).items()}
            grads = task_gradients(losses, shared)
            scale = self.gradient_scale
            for t, gs in grads.items():  # the true gradients of this micro-batch, summed over the update's micro-steps
                gs = [g / scale for g in gs]
                pending.tasks[t] = gs if t not in pending.tasks else [a + g for a, g in zip(pending.tasks[t], gs)]
            if regularization is not None and regularization.requires_grad:
                got = torch.autograd.grad(regularization * scale, shared, retain_graph=True, allow_unused=True)
                got = [torch.zeros_like(p) if g is None else g for g, p in zip(got, shared)]
                pending.regularization = got if pending.regularization is None else \
                    [a + g for a, g in zip(pending.regularization, got)]
        pending.micro_steps += 1
        pending.scale = self.gradient_scale
        optim_wrapper.backward(optim_wrapper.scale_loss(objective))
        if not optim_wrapper.should_update():
            return
        self._pending = None
        if pending.tasks:
            if len(pending.tasks) < 2 <= len(self.task_names):
                raise ValueError(
                    f'{type(self).__name__}: an optimiser step saw the gradient of one task only '
                    f'({sorted(pending.tasks)}), so there is nothing to combine. With batches of one task each '
                    '(per-task batches), accumulate a round: optim_wrapper.accumulative_counts = the number of tasks '
                    f'({len(self.task_names)}), or use a loss-level balancer')
            for i, g in self._combine_pending(pending).items():
                p = shared[i]
                p.grad = g.to(p.dtype) if i not in pending.before else pending.before[i] + g.to(p.dtype)
        optim_wrapper.step()
        optim_wrapper.zero_grad()

    def _pending_update(self, shared: list[nn.Parameter], optim_wrapper) -> 'PendingUpdate':
        """The gradients the current optimiser update has gathered; a new one when the update (or its parameters) changed."""
        pending = getattr(self, '_pending', None)
        key = (id(optim_wrapper), tuple(id(p) for p in shared))
        if pending is None or pending.key != key:
            before = {i: p.grad.clone() for i, p in enumerate(shared) if p.grad is not None}
            pending = self._pending = PendingUpdate(key, before)
        return pending

    def _combine_pending(self, pending: 'PendingUpdate') -> dict[int, torch.Tensor]:
        """``{index into shared: gradient}``: the combination of the mean micro-step gradients, scaled back."""
        n = pending.micro_steps
        grads = pending.tasks if n == 1 else {t: [g / n for g in gs] for t, gs in pending.tasks.items()}
        in_step = self._in_step([grads])
        if not in_step or not all_finite([grads]):
            return {}
        # the wrapper's factor of the whole update (its 1/n undone by the n micro-steps), for the combination too
        scale = self.gradient_scale = pending.scale * n
        combined = self.shared_gradients({t: [gs[i] for i in in_step] for t, gs in grads.items()})
        result = {i: g * scale for i, g in zip(in_step, combined)}
        if pending.regularization is not None:
            # terms the model adds to the objective (a policy's or a backbone's) keep their gradient
            result = {i: g + pending.regularization[i] for i, g in result.items()}
        return result

    @staticmethod
    def _scaled(loss: torch.Tensor, optim_wrapper) -> torch.Tensor:
        loss = optim_wrapper.scale_loss(loss)
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        return loss if scaler is None else scaler.scale(loss)

    def _in_step(self, samples: list[dict[str, list[torch.Tensor]]]) -> list[int]:
        if self.combines_every_shared_parameter:
            return list(range(len(next(iter(samples[0].values())))))
        return shared_in_step(samples)

    def _sampled_parameter_step(self, sample_losses: list[dict[str, torch.Tensor]] | None,
                                shared: list[nn.Parameter], optim_wrapper) -> dict[int, torch.Tensor]:
        """As :meth:`_parameter_step`, from the task gradients of each of :attr:`loss_samples` parts of the batch."""
        if sample_losses is None or len(sample_losses) != self.loss_samples:
            got = 'none' if sample_losses is None else len(sample_losses)
            raise ValueError(f'{type(self).__name__}: needs the task losses of {self.loss_samples} independent parts '
                             f'of the batch (sample_losses), got {got}')
        samples = [task_gradients({t: self._scaled(loss, optim_wrapper) for t, loss in
                                   self.gradient_losses(part).items()}, shared) for part in sample_losses]
        in_step = self._in_step(samples)
        if not in_step or not all_finite(samples):
            return {}
        scale = self.gradient_scale
        combined = self.combine_samples([{t: [grads[t][i] / scale for i in in_step] for t in grads}
                                         for grads in samples])
        return {i: g * scale for i, g in zip(in_step, combined)}

    def combine_samples(self, samples: list[dict[str, list[torch.Tensor]]]) -> list[torch.Tensor]:
        """Combine the task gradients of :attr:`loss_samples` independent parts of the batch (MoDo, SDMGrad)."""
        raise NotImplementedError(f'{type(self).__name__} sets loss_samples > 1 but does not implement combine_samples')

    def _representation_step(self, losses: dict[str, torch.Tensor], shared: list[nn.Parameter],
                             representation: torch.Tensor | None) -> dict[int, torch.Tensor]:
        """The gradient of ``Σ_k w_k λ_k L_k`` with ``w`` from the Gramian of the representation's task gradients."""
        if representation is None or not representation.requires_grad:
            raise ValueError(f"{type(self).__name__}: gradients='representation' needs one representation that "
                             "every task's head reads, and this backbone gives the tasks their own features; use "
                             "gradients='parameters'")
        tasks = list(losses)
        rows = []
        for task in tasks:
            got, = torch.autograd.grad(losses[task], representation, retain_graph=True, allow_unused=True)
            rows.append(torch.zeros(representation.numel(), dtype=representation.dtype, device=representation.device)
                        if got is None else got.reshape(-1))
        jacobian = torch.stack(rows).double()
        gramian = jacobian @ jacobian.T
        world = sum_over_processes(gramian)
        if not torch.isfinite(gramian).all():
            return {}  # an fp16 overflow: the loss scaler skips the step, the state stays
        gramian /= (world * self.gradient_scale) ** 2  # the global batch's, of the unscaled losses
        weights = self.gramian_weights(gramian, tasks).float()
        self.record_weights(dict(zip(tasks, weights.tolist())))
        weighted = sum(w.to(losses[t].dtype) * losses[t] for w, t in zip(weights, tasks))
        got = torch.autograd.grad(weighted, shared, retain_graph=True, allow_unused=True)
        grads = {'combined': [torch.zeros_like(p) if g is None else g for g, p in zip(got, shared)]}
        average_over_processes(grads)
        return dict(enumerate(grads['combined']))

    def record_weights(self, weights: dict[str, float]) -> None:
        """Keep the row weights ``w_k`` a combination used, for :meth:`current_weights` (a no-op by default)."""


class PendingUpdate:
    """The per-task gradients the micro-steps of one optimiser update have gathered (:meth:`GradientBalancer.update`)."""

    def __init__(self, key: tuple, before: dict[int, torch.Tensor]):
        self.key = key  # the optimiser wrapper and the shared parameters of the update
        self.before = before  # the shared parameters' gradients when the update began
        self.tasks: dict[str, list[torch.Tensor]] = {}  # Σ over micro-steps of each task's true gradient
        self.regularization: list[torch.Tensor] | None = None  # Σ of the regulariser's (scaled) gradients
        self.micro_steps = 0
        self.scale = 1.0  # the wrapper's factor in the latest micro-step


def loss_scale(optim_wrapper) -> float:
    """The factor the wrapper multiplies a loss by before its backward (1/accumulation steps × an AMP loss scale)."""
    factor = float(optim_wrapper.scale_loss(torch.tensor(1.0, dtype=torch.float64)))
    scaler = getattr(optim_wrapper, 'loss_scaler', None)
    return factor * (1.0 if scaler is None else float(scaler.get_scale()))


def all_finite(samples: list[dict[str, list[torch.Tensor]]]) -> bool:
    """Whether every gradient is finite. After an fp16 overflow the loss scaler skips the step; the combination (and
    any state it keeps) must skip it too. Decided on the averaged gradients, so every process decides alike."""
    return bool(torch.stack([torch.isfinite(g).all() for grads in samples for gs in grads.values() for g in gs]).all())


def task_gradients(losses: dict[str, torch.Tensor], shared: list[nn.Parameter]) -> dict[str, list[torch.Tensor]]:
    """``{task: [gradient of each shared parameter]}`` (zeros where a loss does not reach), averaged over processes."""
    grads = {}
    for task, loss in losses.items():
        got = torch.autograd.grad(loss, shared, retain_graph=True, allow_unused=True)
        grads[task] = [torch.zeros_like(p) if g is None else g for g, p in zip(got, shared)]
    average_over_processes(grads)
    return grads


def shared_in_step(samples: list[dict[str, list[torch.Tensor]]]) -> list[int]:
    """Indices of the parameters the combination takes: all but those exactly one task reaches (over all samples).

    A task reaches a parameter where its gradient is not zero. A task whose gradient is zero everywhere
    (its loss at an optimum) counts as reaching every parameter: its zero is a gradient, not a structure,
    and the combination must see it (MGDA's min-norm point is then 0). A parameter no task reaches stays
    too: a zero column changes no combination.
    """
    tasks = list(samples[0])
    nonzero = torch.stack([torch.stack([torch.stack([g.ne(0).any() for g in grads[t]]) for grads in samples]).any(0)
                           for t in tasks])  # tasks × parameters
    nonzero |= ~nonzero.any(1, keepdim=True)
    return [i for i, n in enumerate(nonzero.sum(0).tolist()) if n != 1]


def sum_over_processes(tensor: torch.Tensor) -> int:
    """Sum ``tensor`` over the processes of a distributed run, in place; returns the number of processes."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return 1
    world = torch.distributed.get_world_size()
    if world > 1:
        torch.distributed.all_reduce(tensor)
    return world


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
