"""Mean squared and mean absolute error of regression targets (values or vectors)."""
from __future__ import annotations

import torch

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


@METRICS.register_module()
class RegressionMetric(BaseTaskMetric):
    """``mse = mean (pred − gt)²`` and ``mae = mean |pred − gt|`` over every element of the dataset.

    The L2 loss the Gumbel-Matrix paper reports for its synthetic tasks
    (Maziarz et al., Sec. II and App. A3) is the ``mse``. Both are lower-is-better.

    Examples:
        >>> RegressionMetric.calculate(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0]))
        {'mse': 2.5, 'mae': 1.5}
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('value',)

    lower_is_better: frozenset[str] = frozenset({'mse', 'mae'})
    metric_names: tuple[str, ...] = ('mse', 'mae')

    @staticmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Sums of squared and absolute errors and the element count."""
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        diff = pred.double() - gt.double()
        return {'sum_sq': float((diff ** 2).sum()), 'sum_abs': float(diff.abs().sum()), 'count': int(diff.numel())}

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """``{'mse': float, 'mae': float}``; NaN for zero elements."""
        return BaseTaskMetric.averages(stats, {'mse': 'sum_sq', 'mae': 'sum_abs'})
