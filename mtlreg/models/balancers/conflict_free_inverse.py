"""ConFIG: conflict-free inverse gradients (Liu, Chu & Thuerey, "ConFIG: Towards Conflict-free Training of
Physics Informed Neural Networks", ICLR 2025)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class ConFIGBalancer(JacobianBalancer):
    """``d = (Σ_k g_k · u) u`` with ``u`` the unit vector of ``Ĵ⁺ 1`` for the unit task gradients ``Ĵ``.

    ConFIG (Liu et al., Eq. 2; ``Ĵ⁺`` the pseudo-inverse): the direction has equal cosine with every
    task gradient, so it conflicts with none, and its length is the sum of the gradients' projections
    onto it. It is not a weighting of the rows, so the static weights are logged. Computed by torchjd.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None):
        super().__init__(task_names, task_weights)
        self.aggregator = torchjd_aggregation().ConFIG()
