"""Aligned-MTL: aligning the principal components of the task gradients (Senushkin et al., "Independent
Component Alignment for Multi-Task Learning", CVPR 2023)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class AlignedMTLBalancer(JacobianBalancer):
    """``d`` from the gradient matrix made well-conditioned: ``Ĵ = σ_min U Vᵀ`` for ``J = U Σ Vᵀ``, then ``pᵀ Ĵ``.

    Senushkin et al., Sec. 4 (Alg. 1): rescaling the singular values of the task gradients to the
    smallest one gives a system of condition number 1, whose update is the preference-weighted sum of
    its rows (torchjd's default preference, the mean, unless ``pref_vector`` is given). Computed by
    torchjd on the Gramian.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        pref_vector: the preference over the tasks, in task order. Defaults to 1/K each.
        gradients: ``'parameters'`` or ``'representation'`` (see ``GradientBalancer``). Defaults to 'parameters'.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 pref_vector: Sequence[float] | None = None,
                 gradients: str = 'parameters'):
        super().__init__(task_names, task_weights, gradients)
        self.aggregator = torchjd_aggregation().AlignedMTL(pref_vector=self.preference(pref_vector))
