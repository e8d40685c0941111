"""IMTL: impartial multi-task learning, loss scaling and gradient balancing together.

Liu, Li, Kuang, Xue, Chen, Yang, Liao & Zhang, "Towards Impartial Multi-task Learning", ICLR 2021, Sec. 3.3
(the hybrid of Sec. 3.1 and 3.2): the scaled losses ``L_k' = e^{s_k} L_k − s_k`` of IMTL-L train the
task-specific parameters and the scales; the shared parameters get IMTL-G's combination ``d = Σ_k α_k g_k``
of the gradients ``g_k = ∇ L_k'``, with ``d · u_1 = d · u_k`` for the unit gradients ``u_k`` and ``Σ_k α_k = 1``.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .imtl_g import IMTLGBalancer
from .imtl_l import impartial_scaled_losses


@BALANCERS.register_module()
class IMTLBalancer(IMTLGBalancer):
    """IMTL-L's scaled losses ``λ_k (e^{s_k} L_k − s_k)``, combined on the shared parameters by IMTL-G.

    The objective (what the task-specific parameters and the learnable ``s_k`` get) is
    ``Σ_k λ_k (e^{s_k} L_k − s_k)``, as :class:`~mtlreg.models.balancers.imtl_l.IMTLLBalancer`. The shared
    parameters get ``d = Σ_k α_k g_k``, ``g_k = ∇ λ_k e^{s_k} L_k``, with IMTL-G's ``α``
    (:class:`~mtlreg.models.balancers.imtl_g.IMTLGBalancer`, torchjd's pseudo-inverse form). IMTL-G fixes the
    direction of ``d`` whatever the scale of each ``g_k``; the loss scales set its length. The ``s_k`` are
    model parameters, trained by the model's optimiser; ``update`` costs one backward pass through the
    shared parameters per task plus the objective's.

    Logged weights are the effective weights of the task losses on the shared parameters,
    ``α_k λ_k e^{s_k}`` (``λ_k e^{s_k}`` before the first step).

    Paper and code: the paper computes IMTL-G on the gradients with respect to the shared feature ``z``
    (cheaper than the shared parameters); this balancer, as IMTL-G here and LibMTL by default
    (``rep_grad=False``), uses the gradients with respect to the shared parameters. LibMTL solves for
    ``α`` with a matrix inverse (which fails for linearly dependent gradients); torchjd's pseudo-inverse
    gives the same ``α`` otherwise.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        init_scale: initial ``s_k``. Defaults to 0.0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 init_scale: float = 0.0):
        super().__init__(task_names, task_weights)
        self.log_scales = nn.Parameter(torch.full((len(self.task_names),), float(init_scale)))

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.gradient_losses(losses).values())

    def gradient_losses(self, losses: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        scaled = impartial_scaled_losses(self.log_scales, self.task_names, losses)
        return {t: self.task_weights[t] * loss for t, loss in scaled.items()}

    def current_weights(self) -> dict[str, float]:
        scales = torch.exp(self.log_scales.detach()).tolist()
        return {t: w * scales[self.task_names.index(t)] for t, w in super().current_weights().items()}
