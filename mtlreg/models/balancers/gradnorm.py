"""GradNorm: gradient normalisation for adaptive loss balancing.

Chen, Badrinarayanan, Lee & Rabinovich, "GradNorm: Gradient Normalization for Adaptive Loss Balancing in
Deep Multitask Networks", ICML 2018, Eq. 1–2: with ``G_k = ‖∇_W w_k L_k‖₂`` on the chosen shared weights W,
``Ḡ`` their mean over the tasks, ``L̃_k = L_k(t) / L_k(0)`` and ``r_k = L̃_k / mean_j L̃_j``, the loss weights
``w_k`` minimise ``L_grad = Σ_k |G_k − Ḡ · r_k^α|`` with the targets ``Ḡ r_k^α`` held constant, and are
renormalised so that ``Σ_k w_k = K`` after every step. The network minimises ``Σ_k w_k L_k``.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .balancer_state import flatten_gradients, stepped, unflatten
from .gradient_balancer import GradientBalancer

#: the floor of a weight before the renormalisation (a gradient step may push a weight below 0)
MIN_WEIGHT = 1e-6


def last_shared_layer(parameters: Sequence[nn.Parameter]) -> list[nn.Parameter]:
    """The weight of the last shared layer: the last parameter with two or more dimensions (or the last one)."""
    weights = [p for p in parameters if p.dim() >= 2]
    return weights[-1:] if weights else list(parameters)[-1:]


@BALANCERS.register_module()
class GradNormBalancer(GradientBalancer):
    """``L = Σ_k λ_k w_k L_k``; the ``w_k`` follow the GradNorm loss ``Σ_k |w_k n_k − Ḡ r_k^α|`` only.

    ``n_k = ‖∇_W λ_k L_k‖`` is task k's gradient norm on W: the weight of the last shared layer
    (``gradient_params='last_shared_layer'``, the paper's choice; the last parameter with two or more
    dimensions in the backbone's ``shared_parameters()``) or every shared parameter (``'all_shared'``, as
    LibMTL). ``G_k = w_k n_k`` is linear in ``w_k``, so the gradient of the GradNorm loss with the targets
    held constant is ``∂L_grad/∂w_k = sign(G_k − Ḡ r_k^α) · n_k``; the balancer writes it into the
    gradient of the parameter ``loss_weights`` during the step. The main objective sees ``w`` detached,
    so ``w`` is trained by the GradNorm loss only.

    Learning rate: ``loss_weights`` is a parameter of the model, stepped by the model's optimiser
    together with the network (Algorithm 1 of the paper updates ``w`` and the network in the same step;
    LibMTL does the same), so it follows that optimiser's learning rate, schedule, gradient accumulation
    and AMP loss scaling (the scaler unscales it with the other gradients). A step whose optimiser does not
    hold ``loss_weights`` is an error. After every optimiser step the weights are clamped to at least
    ``1e-6`` and renormalised to sum to K (``weighting='direct'``); an optimiser's weight decay on them is
    undone by that renormalisation for plain SGD, not exactly for Adam.

    ``L_k(0)`` is task k's loss at its first training step (the paper); with ``warmup_iters = N`` the
    first N steps train with ``w = 1`` and ``L_k(0)`` is the mean loss over them (LibMTL: one epoch). The
    losses in ``r_k`` are averaged over the processes of a distributed run, as the gradients are, so every
    process computes the same weights. ``Ḡ`` and the ratios are over the tasks in the batch.

    The shared parameters get ``Σ_k w_k ∇λ_k L_k`` (the objective's gradient); per step this costs one
    backward pass per task to W (through the heads only, for the last shared layer) plus the objective's.
    Logged weights: ``λ_k w_k``. State: ``loss_weights`` (with its optimiser state) and the buffers
    ``initial_losses``, ``loss_sums``, ``loss_counts``, ``steps``.

    Paper and code: LibMTL parametrises ``w = K·softmax(θ)`` (``weighting='softmax'``: no renormalisation
    needed, the gradient reaches θ through the softmax), takes the norms over every shared parameter
    (``gradient_params='all_shared'``), uses ``L(0)`` = the first epoch's mean loss and equal weights during
    that epoch (``warmup_iters``), and gives the task heads the unweighted ``∇L_k``; here the heads get
    ``∇ λ_k w_k L_k`` as in the paper (not offered otherwise).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        alpha: α, the strength of the pull towards a common training rate. Defaults to 1.5.
        gradient_params: ``'last_shared_layer'`` or ``'all_shared'``. Defaults to 'last_shared_layer'.
        weighting: ``'direct'`` (the paper: ``w`` itself, renormalised) or ``'softmax'`` (LibMTL:
            ``w = K·softmax(θ)``). Defaults to 'direct'.
        warmup_iters: steps with ``w = 1`` whose mean losses are ``L(0)``; 0 takes the first step's
            losses. Defaults to 0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None, alpha: float = 1.5,
                 gradient_params: str = 'last_shared_layer', weighting: str = 'direct', warmup_iters: int = 0):
        super().__init__(task_names, task_weights)
        if not alpha >= 0:
            raise ValueError(f'GradNormBalancer: alpha must be >= 0, got {alpha}')
        if gradient_params not in ('last_shared_layer', 'all_shared'):
            raise ValueError("GradNormBalancer: gradient_params must be 'last_shared_layer' or 'all_shared', "
                             f'got {gradient_params!r}')
        if weighting not in ('direct', 'softmax'):
            raise ValueError(f"GradNormBalancer: weighting must be 'direct' or 'softmax', got {weighting!r}")
        if not isinstance(warmup_iters, int) or warmup_iters < 0:
            raise ValueError(f'GradNormBalancer: warmup_iters must be an int >= 0, got {warmup_iters!r}')
        self.alpha, self.gradient_params, self.weighting = float(alpha), gradient_params, weighting
        self.warmup_iters = warmup_iters
        k = len(self.task_names)
        self.loss_weights = nn.Parameter(torch.zeros(k) if weighting == 'softmax' else torch.ones(k))
        self.register_buffer('initial_losses', torch.full((k,), float('nan'), dtype=torch.float64))
        self.register_buffer('loss_sums', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('loss_counts', torch.zeros(k, dtype=torch.float64))
        self.register_buffer('steps', torch.tensor(0))
        self._step_losses: dict[str, float] | None = None
        self._checked_optimizers: dict[int, bool] = {}  # id of an optimiser -> whether it trains loss_weights

    # ------------------------------------------------------------------ weights
    def weights(self) -> torch.Tensor:
        """The current ``w`` (detached), one per task in task order."""
        w = self.loss_weights.detach()
        return len(self.task_names) * torch.softmax(w, 0) if self.weighting == 'softmax' else w

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        w = self.weights()
        return sum(self.task_weights[t] * w[self.task_names.index(t)].to(loss.dtype) * loss
                   for t, loss in losses.items())

    def current_weights(self) -> dict[str, float]:
        w = self.weights().tolist()
        return {t: self.task_weights[t] * w[k] for k, t in enumerate(self.task_names)}

    # ------------------------------------------------------------------ the step
    @property
    def needs_every_task_in_a_batch(self) -> bool:
        """GradNorm's weight gradient reads every task's loss ratio at its combination."""
        return True

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper, **kwargs) -> None:
        """The GradientBalancer step on W, with the GradNorm gradient of ``loss_weights``; renormalises after a step."""
        if not self._trains_weights(optim_wrapper, shared_parameters):
            # a phase that trains other parameters (a policy's architecture): the plain weighted step
            return super().update(task_losses, objective, shared_parameters, optim_wrapper, **kwargs)
        self.record_losses(task_losses)
        if self.gradient_params == 'last_shared_layer':
            def gradient_parameters():
                return last_shared_layer([p for p in shared_parameters() if p.requires_grad])
        else:
            gradient_parameters = shared_parameters
        try:
            super().update(task_losses, objective, gradient_parameters, optim_wrapper, **kwargs)
        finally:
            self._step_losses = None
        if stepped(optim_wrapper):
            self.renormalise()

    def record_losses(self, losses: dict[str, torch.Tensor]) -> None:
        """Count a training step and note its losses (averaged over processes) for the ratios ``r_k``.

        :meth:`update` calls it before the gradients are combined; during the warm-up the losses add to
        ``L(0)``, afterwards a task seen for the first time gets its ``L(0)`` from them.
        """
        if not self.training:
            return
        global_losses = self.global_losses(losses)
        tasks = list(global_losses)
        idx = torch.tensor([self.task_names.index(t) for t in tasks], device=self.loss_sums.device)
        values = torch.tensor([global_losses[t] for t in tasks], dtype=torch.float64, device=self.loss_sums.device)
        self.steps += 1
        if int(self.steps) <= self.warmup_iters:
            self.loss_sums[idx] += values
            self.loss_counts[idx] += 1
            if int(self.steps) == self.warmup_iters:
                seen = self.loss_counts > 0
                self.initial_losses[seen] = self.loss_sums[seen] / self.loss_counts[seen]
            return
        first = torch.isnan(self.initial_losses[idx])
        self.initial_losses[idx[first]] = values[first]
        self._step_losses = dict(zip(tasks, values.tolist()))

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks, gradients, shapes = flatten_gradients(task_gradients)
        idx = [self.task_names.index(t) for t in tasks]
        w = self.weights()[idx].to(gradients.dtype)
        if self._step_losses is not None and all(t in self._step_losses for t in tasks):
            norms = gradients.norm(dim=1)
            grad = self.weight_gradient(tasks, norms, [self._step_losses[t] for t in tasks])
            p, grad = self.loss_weights, grad * self.gradient_scale  # scaled as every gradient of the step
            p.grad = grad.to(p.dtype) if p.grad is None else p.grad + grad.to(p.dtype)
        return unflatten((w[:, None] * gradients).sum(0), shapes)

    def weight_gradient(self, tasks: Sequence[str], norms: torch.Tensor, losses: Sequence[float]) -> torch.Tensor:
        """``∂L_grad/∂loss_weights`` for the tasks' gradient norms ``n_k`` on W and their losses ``L_k(t)``.

        ``∂L_grad/∂w_k = sign(w_k n_k − Ḡ r_k^α) n_k`` (targets constant); through the softmax for
        ``weighting='softmax'``. Tasks not in ``tasks`` have ``∂L_grad/∂w_k = 0``.
        """
        idx = torch.tensor([self.task_names.index(t) for t in tasks], device=self.initial_losses.device)
        n = norms.detach().to(torch.float64).to(self.initial_losses.device)
        w = self.weights().to(torch.float64).to(n.device)[idx]
        g = w * n
        ratios = torch.tensor(list(losses), dtype=torch.float64, device=n.device) / self.initial_losses[idx]
        targets = g.mean() * (ratios / ratios.mean()) ** self.alpha
        grad = torch.zeros(len(self.task_names), dtype=torch.float64, device=n.device)
        grad[idx] = torch.sign(g - targets) * n
        if self.weighting == 'softmax':
            z = torch.softmax(self.loss_weights.detach().to(torch.float64), 0).to(n.device)
            grad = len(self.task_names) * z * (grad - (z * grad).sum())
        return grad.to(self.loss_weights.device)

    @torch.no_grad()
    def renormalise(self) -> None:
        """Clamp the weights to at least ``MIN_WEIGHT`` and rescale them to sum to K (``weighting='direct'``)."""
        if self.weighting == 'direct':
            w = self.loss_weights.clamp_(min=MIN_WEIGHT)
            w.mul_(len(self.task_names) / w.sum())

    def _trains_weights(self, optim_wrapper, shared_parameters) -> bool:
        """Whether this step's optimiser trains ``loss_weights``.

        An optimiser that holds the shared parameters must hold ``loss_weights`` too (an error otherwise: the
        GradNorm gradient would be lost); one that holds neither (AdaShare's architecture phase) trains other
        parameters, and the step leaves the GradNorm state alone.
        """
        optimizer = getattr(optim_wrapper, 'optimizer', None)
        if optimizer is None:
            return True
        if id(optimizer) not in self._checked_optimizers:
            held = {id(p) for group in optimizer.param_groups for p in group['params']}
            trains = id(self.loss_weights) in held
            if not trains and any(id(p) in held for p in shared_parameters()):
                raise ValueError('GradNormBalancer: the optimiser of this step does not hold the parameter '
                                 "balancer.loss_weights; GradNorm trains the loss weights with the model's optimiser, "
                                 'so its parameter groups must include them')
            self._checked_optimizers[id(optimizer)] = trains
        return self._checked_optimizers[id(optimizer)]
