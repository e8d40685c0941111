"""Mean absolute error of dense regression tasks (keypoint heatmaps, edges)."""
from __future__ import annotations

import torch

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


@METRICS.register_module()
class DenseRegressionMetric(BaseTaskMetric):
    """Computes the mean absolute error of a dense map over all pixels.

    ``mae = mean |pred - gt|`` over every pixel (every element) of the
    dataset, in the units of the map (lower is better). This is the error
    used for the keypoint and edge tasks of Taskonomy-style benchmarks
    (Zamir et al. 2018; Standley et al. 2020). No pixel is left out. Per
    sample, the sum of absolute errors and the pixel count are stored.

    Takes the arguments of :class:`BaseTaskMetric`.

    Examples:
        >>> pred = torch.tensor([[[0.0, 0.5], [1.0, 0.25]]])
        >>> gt = torch.tensor([[[0.0, 1.0], [0.5, 0.25]]])
        >>> DenseRegressionMetric.calculate(pred, gt)
        {'mae': 0.25}
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('dense', 'depth')

    lower_is_better: frozenset[str] = frozenset({'mae'})
    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('mae',)

    @staticmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Computes the absolute-error sum and pixel count of dense maps.

        Args:
            pred (Tensor | np.ndarray): Predicted map, any shape.
            gt (Tensor | np.ndarray): Ground-truth map of the same shape (up
                to singleton dimensions).

        Returns:
            dict: ``{'sum_abs': float, 'count': int}``.
        """
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        diff = (pred.double() - gt.double()).abs()
        return {'sum_abs': float(diff.sum()), 'count': int(diff.numel())}

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Returns ``{'mae': float}``; NaN for zero pixels."""
        return BaseTaskMetric.averages(stats, {'mae': 'sum_abs'})
