"""IMTL-L: impartial loss scaling.

Liu, Li, Kuang, Xue, Chen, Yang, Liao & Zhang, "Towards Impartial Multi-task Learning", ICLR 2021, Sec. 3.1:
every task loss is scaled by a learned ``e^{s_k}`` and regularised by ``−s_k``, ``L_k' = e^{s_k} L_k − s_k``;
at the optimum of ``s_k`` (``e^{s_k} L_k = 1``) every scaled loss is 1, whatever the task's loss scale.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BALANCERS
from .base import BaseBalancer


def impartial_scaled_losses(log_scales: torch.Tensor, task_names: Sequence[str],
                            losses: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``{task: e^{s_k} L_k − s_k}`` for the tasks in ``losses`` (``log_scales`` in the order of ``task_names``)."""
    scaled = {}
    for t, loss in losses.items():
        s = log_scales[task_names.index(t)]
        scaled[t] = torch.exp(s) * loss - s
    return scaled


@BALANCERS.register_module()
class IMTLLBalancer(BaseBalancer):
    """``L = Σ_k λ_k (e^{s_k} L_k − s_k)`` with learnable ``s_k`` (IMTL-L, Liu et al., Sec. 3.1).

    The ``s_k`` are parameters of the model, trained by its optimiser on this same objective:
    ``∂L/∂s_k = λ_k (e^{s_k} L_k − 1)``, which drives ``e^{s_k}`` towards ``1 / L_k``. The network gets the
    gradient of ``Σ_k λ_k e^{s_k} L_k``. Unlike uncertainty weighting the form does not assume a loss
    distribution (the paper's point), and the ``−s_k`` regulariser cannot make the scale collapse to 0.
    Logged weights: ``λ_k e^{s_k}``. The state is the parameter ``log_scales`` (checkpointed with the model;
    it moves only when the optimiser steps).

    Paper and code: LibMTL's IMTL combines this loss scaling with IMTL-G (``IMTLBalancer``); LibMTL has
    no IMTL-L alone. LibMTL initialises ``s`` at 0, as here.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k. Defaults to 1.
        init_scale: initial ``s_k`` (``e^{s_k}`` is the initial loss scale). Defaults to 0.0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 init_scale: float = 0.0):
        super().__init__(task_names, task_weights)
        self.log_scales = nn.Parameter(torch.full((len(self.task_names),), float(init_scale)))

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        scaled = impartial_scaled_losses(self.log_scales, self.task_names, losses)
        return sum(self.task_weights[t] * loss for t, loss in scaled.items())

    def current_weights(self) -> dict[str, float]:
        scales = torch.exp(self.log_scales.detach()).tolist()
        return {t: self.task_weights[t] * scales[k] for k, t in enumerate(self.task_names)}
