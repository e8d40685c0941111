"""DualProj: the mean gradient projected onto the dual cone of the task gradients (Quinton & Rey, 2024,
after GEM: Lopez-Paz & Ranzato, "Gradient Episodic Memory for Continual Learning", NeurIPS 2017)."""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class DualProjBalancer(JacobianBalancer):
    """``d = π_J(Σ_k p_k g_k)``: the weighted mean gradient, projected onto ``{x : J x ≥ 0}``.

    The closest update to the mean that conflicts with no task (GEM's projection, Lopez-Paz &
    Ranzato, Eq. 10–11, with every task as a constraint); computed by torchjd (a QP, quadprog).

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        pref_vector: the weights ``p`` of the mean, in task order. Defaults to 1/K each.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 pref_vector: Sequence[float] | None = None):
        super().__init__(task_names, task_weights)
        pref = None if pref_vector is None else torch.as_tensor(pref_vector, dtype=torch.float32)
        if pref is not None and pref.shape != (len(self.task_names),):
            raise ValueError(f'DualProjBalancer: pref_vector needs one value per task {self.task_names}, '
                             f'got {list(pref_vector)}')
        self.aggregator = torchjd_aggregation().DualProj(pref_vector=pref)
