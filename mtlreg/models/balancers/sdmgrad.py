"""SDMGrad: stochastic direction-oriented multi-objective gradient descent (Xiao, Ban & Ji, "Direction-oriented
Multi-objective Learning: Simple and Provable Stochastic Algorithms", NeurIPS 2023)."""
from __future__ import annotations

from typing import Sequence

from mtlreg.registry import BALANCERS
from .double_sampling import DoubleSamplingBalancer
from .jacobian_balancer import torchjd_aggregation


@BALANCERS.register_module()
class SDMGradBalancer(DoubleSamplingBalancer):
    """``d = Jᵀ(w + λ w̃) / (1 + λ)`` with ``w = argmin_{w ∈ Δ} ½‖Jᵀw + λ Jᵀw̃‖²`` (Eq. 5), stochastically.

    The direction-oriented MGDA problem keeps the update near the preferred direction ``Jᵀw̃`` (the mean
    gradient by default); SDMGrad (Alg. 1) solves for ``w`` with ``n_iter`` projected SGD steps (with
    momentum) on ``A = J_ξ J_ξ'ᵀ`` from two independent parts of the batch, scale-normalised by the mean
    of the square roots of its diagonal as the authors' code does, warm-started from the previous step's
    ``w``, and takes the update with the gradients of a third part ``ζ`` (``samples=3``, the default).
    Computed by torchjd's ``SDMGradWeighting``.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        lambda_: λ, the pull towards the preferred direction (≥ 0). Defaults to 0.3 (the paper's experiments).
        lr: step size of the inner SGD (> 0). Defaults to 5.0 (LibMTL's).
        momentum: momentum of the inner SGD, in [0, 1). Defaults to 0.5.
        n_iter: inner SGD steps per training step. Defaults to 20.
        pref_vector: the preference w̃, one value per task. Defaults to the mean (1/K each).
        samples: parts of the batch, 2 or 3. Defaults to 3.
    """

    state_attribute = '_w'

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 lambda_: float = 0.3, lr: float = 5.0, momentum: float = 0.5, n_iter: int = 20,
                 pref_vector: Sequence[float] | None = None, samples: int = 3):
        super().__init__(task_names, task_weights, samples)
        aggregation = torchjd_aggregation()
        try:
            weighting = aggregation.SDMGradWeighting(lr=float(lr), momentum=float(momentum), n_iter=int(n_iter),
                                                     lambda_=float(lambda_), pref_vector=self.preference(pref_vector))
        except ValueError as err:
            raise ValueError(f'SDMGradBalancer: {err}') from err
        self.aggregator = aggregation.WeightedAggregator(weighting)
