"""GradDrop: gradient sign dropout.

Chen, Ngiam, Huang, Luong, Kretzschmar, Chai & Anguelov, "Just Pick a Sign: Optimizing Deep Multitask
Models with Gradient Sign Dropout", NeurIPS 2020: the sign purity of Eq. 1 and the masked sum of
Alg. 1 (lines 10–15), computed by torchjd's GradDrop.
"""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import BALANCERS
from .aggregator_mixins import SeededAggregationMixin
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation


@BALANCERS.register_module()
class GradDropBalancer(SeededAggregationMixin, JacobianBalancer):
    """``d = Σ_k (ℓ_k + (1 − ℓ_k) M_k) ∘ g_k``, keeping at each coordinate one sign, drawn by its purity.

    At every coordinate the positive sign purity is ``P = ½ (1 + Σ_k g_k / Σ_k |g_k|)`` (Chen et al.,
    Eq. 1); with ``U ~ Uniform(0, 1)`` drawn per coordinate, ``M_k = [P > U][g_k > 0] + [P < U][g_k < 0]``
    keeps the positive components where ``P > U`` and the negative ones elsewhere (Alg. 1). Where the
    tasks agree in sign nothing is dropped (``d`` is the sum); ``ℓ_k`` lets a task's gradient leak
    through unmasked (``ℓ = 1``: the plain sum). Not a weighting of the rows: the static weights
    are logged.

    The paper applies GradDrop to the gradients of a layer's activations, and for batch-separated
    activations first multiplies them by the sign of the activations' inputs and sums over the
    batch, so that the purity is that of the weight gradients. Here the rows are already the
    gradients of the shared parameters (summed over the batch), so the purity is computed on them
    directly and no input signs are needed (torchjd's GradDrop takes only the Jacobian).

    ``U`` comes from ``seed`` and the step count (the ``steps`` buffer), not from the training's
    generators: every process draws the same masks and a resumed run continues the same sequence.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        leak: ``ℓ``, in [0, 1]: one value for every task or one per task (in task order). Defaults to
            None (no leak, the paper's pure GradDrop).
        seed: seed of the draws. Defaults to 0.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 leak: float | Sequence[float] | None = None, seed: int = 0):
        super().__init__(task_names, task_weights)
        self.leak = self._leak_per_task(leak)
        self.init_seed(seed)
        self.aggregator = torchjd_aggregation().GradDrop()

    def _leak_per_task(self, leak) -> tuple[float, ...] | None:
        if leak is None:
            return None
        values = [leak] * len(self.task_names) if isinstance(leak, (int, float)) else list(leak)
        if len(values) != len(self.task_names) or not all(isinstance(v, (int, float)) and 0 <= v <= 1
                                                          for v in values):
            raise ValueError(f'{type(self).__name__}: leak must be a number in [0, 1] or one per task '
                             f'{self.task_names}, got {leak!r}')
        return tuple(float(v) for v in values)

    def aggregate(self, jacobian: torch.Tensor, tasks: Sequence[str] | None = None):
        if self.leak is not None:
            rows = self.task_names if tasks is None else tasks
            self.aggregator.leak = torch.tensor([self.leak[self.task_names.index(t)] for t in rows],
                                                dtype=jacobian.dtype, device=jacobian.device)
        return super().aggregate(jacobian, tasks)
