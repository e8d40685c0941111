"""Mean absolute error of dense regression tasks (keypoint heatmaps, edges)."""
from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor

from mtlreg.registry import METRICS
from .base_task_metric import BaseTaskMetric

ArrayLike = Union[Tensor, np.ndarray]


@METRICS.register_module()
class DenseRegressionMetric(BaseTaskMetric):
    """Computes the mean absolute error of a dense map over all pixels.

    ``mae = mean |pred - gt|`` over every pixel (every element) of the
    dataset, in the units of the map (lower is better). This is the error
    used for the keypoint and edge tasks of Taskonomy-style benchmarks
    (Zamir et al. 2018; Standley et al. 2020). No pixel is left out. Per
    sample, the sum of absolute errors and the pixel count are stored.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        prefix (str, optional): Prefix of the result keys. Defaults to
            ``task``.
        collect_device (str): Device used to gather results across ranks.
            Defaults to ``'cpu'``.
        collect_dir (str, optional): Directory used to gather results on cpu.

    Examples:
        >>> pred = torch.tensor([[[0.0, 0.5], [1.0, 0.25]]])
        >>> gt = torch.tensor([[[0.0, 1.0], [0.5, 0.25]]])
        >>> DenseRegressionMetric.calculate(pred, gt)
        {'mae': 0.25}
    """

    lower_is_better: frozenset[str] = frozenset({'mae'})

    def __init__(self,
                 task: str,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device,
                         collect_dir=collect_dir)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """tuple[str, ...]: ``('mae',)``."""
        return ('mae',)

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
        """Computes the MAE from accumulated statistics.

        Args:
            stats (dict): Statistics of :meth:`compute_stats` summed over
                samples.

        Returns:
            dict: ``{'mae': float}``; NaN for zero pixels.
        """
        n = stats['count']
        return {'mae': stats['sum_abs'] / n if n else math.nan}

    @staticmethod
    def calculate(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Computes the MAE of dense maps in one call.

        Args:
            pred (Tensor | np.ndarray): Predicted map.
            gt (Tensor | np.ndarray): Ground-truth map.

        Returns:
            dict: ``{'mae': float}``.
        """
        return DenseRegressionMetric.metrics_from_stats(DenseRegressionMetric.compute_stats(pred, gt))

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the absolute-error sum and pixel count of one sample."""
        return self.compute_stats(pred, gt)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns the MAE from the summed statistics."""
        return self.metrics_from_stats(stats)
