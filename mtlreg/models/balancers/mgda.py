"""MGDA: the minimum-norm point of the convex hull of the task gradients (Désidéri, 2012; Sener & Koltun,
"Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018)."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

#: the gradient normalisations of the authors' code (``gradient_normalizers``; LibMTL's ``mgda_gn``)
NORMALIZATIONS = ('none', 'l2', 'loss', 'loss+')


@BALANCERS.register_module()
class MGDABalancer(JacobianBalancer):
    """``d = Σ_k α_k g_k`` with ``α = argmin ‖Σ_k α_k g_k‖²`` over the simplex (Sener & Koltun, Eq. 3).

    A common descent direction of every task (zero at a Pareto-stationary point). The weights α are
    found by Frank-Wolfe on the Gramian ``J Jᵀ`` (Sener & Koltun, Alg. 2; torchjd's MGDA), here on the
    gradients of the shared parameters (the paper's MGDA; MGDA-UB's gradients of the shared
    representation are a cheaper bound).

    **Gradient normalisation** (``normalization``; not in the paper, in the authors' code and LibMTL):
    α is computed from ``g_k / n_k`` with ``n_k`` = 1 (``'none'``, the paper), ``‖g_k‖`` (``'l2'``),
    the loss ``λ_k L_k`` (``'loss'``) or ``λ_k L_k ‖g_k‖`` (``'loss+'``). Without it the task with the
    smallest gradient takes almost all the weight. The authors' code then steps along ``Σ_k α_k g_k``,
    the raw gradients (the default); LibMTL steps along ``Σ_k α_k g_k / n_k`` (``normalized_step=True``).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        epsilon: Frank-Wolfe stops when a step changes α by less. Defaults to 0.001.
        max_iters: Frank-Wolfe iterations at most. Defaults to 100.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
        normalization: ``'none'``, ``'l2'``, ``'loss'`` or ``'loss+'``. Defaults to 'none'.
        normalized_step: step along the normalised gradients (LibMTL) instead of the raw ones (the
            authors' code). Defaults to False.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 epsilon: float = 0.001, max_iters: int = 100,
                 gradients: str = 'parameters', normalization: str = 'none', normalized_step: bool = False):
        if normalization not in NORMALIZATIONS:
            raise ValueError(f'MGDABalancer: normalization must be one of {NORMALIZATIONS}, got {normalization!r}')
        self.normalization, self.normalized_step = normalization, bool(normalized_step)
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().MGDA(epsilon=epsilon, max_iters=max_iters)
        self._step_losses: dict[str, float] | None = None

    def weighs_by_gramian(self) -> bool:
        return True  # stateless: the weights are the Gramian's, normalised or not

    @property
    def needs_every_task_in_a_batch(self) -> bool:
        return self.normalization in ('loss', 'loss+') or super().needs_every_task_in_a_batch

    def update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
               shared_parameters: Callable[[], Sequence[nn.Parameter]], optim_wrapper, **kwargs) -> None:
        if self.normalization in ('loss', 'loss+'):
            self._step_losses = self.global_losses(task_losses)
        try:
            super().update(task_losses, objective, shared_parameters, optim_wrapper, **kwargs)
        finally:
            self._step_losses = None

    def normalizers(self, gramian: torch.Tensor, tasks: Sequence[str]) -> torch.Tensor:
        """``n_k`` (K) from the Gramian's diagonal (``‖g_k‖²``) and the step's losses."""
        norms = gramian.diagonal().clamp_min(0).sqrt()
        if self.normalization in ('l2', 'none'):
            return norms if self.normalization == 'l2' else torch.ones_like(norms)
        if self._step_losses is None:
            raise ValueError(f"MGDABalancer: normalization={self.normalization!r} needs the losses of the step; "
                             'take the step with update()')
        losses = torch.tensor([self.task_weights[t] * self._step_losses[t] for t in tasks],
                              dtype=gramian.dtype, device=gramian.device)
        return losses if self.normalization == 'loss' else losses * norms

    def gramian_weights(self, gramian: torch.Tensor, tasks: Sequence[str]) -> torch.Tensor:
        """The weights on the raw gradients: α from the normalised Gramian ``G_ij / (n_i n_j)`` (α/n for a normalised step)."""
        if self.normalization == 'none':
            return super().gramian_weights(gramian, tasks)
        n = self.normalizers(gramian, tasks)
        n = torch.where(n > 0, n, torch.ones_like(n))  # a zero gradient (or loss) stays zero: nothing to divide
        alpha = super().gramian_weights(gramian / (n[:, None] * n[None, :]), tasks).to(n.dtype)
        return (alpha / n if self.normalized_step else alpha).float()

    def aggregate(self, jacobian: torch.Tensor, tasks: Sequence[str] | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.normalization == 'none':
            return super().aggregate(jacobian, tasks)
        tasks = list(tasks) if tasks is not None else list(self.task_names)
        weights = self.gramian_weights(jacobian.double() @ jacobian.double().T, tasks).to(jacobian.dtype)
        return weights @ jacobian, weights
