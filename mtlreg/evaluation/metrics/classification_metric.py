"""Top-1 accuracy of image classification."""
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
class ClassificationMetric(BaseTaskMetric):
    """Computes the top-1 accuracy of a classification task in percent.

    ``accuracy = 100 * #(pred == gt) / #samples`` (higher is better). The
    prediction is a class id; floating-point scores with a trailing class
    dimension are arg-maxed first. Per sample, the number of correct
    predictions and of labels are stored.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        prefix (str, optional): Prefix of the result keys. Defaults to
            ``task``.
        collect_device (str): Device used to gather results across ranks.
            Defaults to ``'cpu'``.
        collect_dir (str, optional): Directory used to gather results on cpu.

    Examples:
        >>> ClassificationMetric.calculate(torch.tensor([0, 2, 1, 1]), torch.tensor([0, 1, 1, 1]))
        {'accuracy': 75.0}
        >>> ClassificationMetric.calculate(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]))
        {'accuracy': 50.0}
    """

    lower_is_better: frozenset[str] = frozenset()

    def __init__(self,
                 task: str,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device,
                         collect_dir=collect_dir)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """tuple[str, ...]: ``('accuracy',)``."""
        return ('accuracy',)

    @staticmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Counts correct predictions.

        Args:
            pred (Tensor | np.ndarray): Predicted class ids (scalar or
                ``[N]``), or floating-point scores ``[C]`` / ``[N, C]``.
            gt (Tensor | np.ndarray): Ground-truth class ids (scalar or
                ``[N]``).

        Returns:
            dict: ``{'correct': int, 'count': int}``.
        """
        pred, gt = torch.as_tensor(pred), torch.as_tensor(gt)
        if pred.is_floating_point() and pred.dim() >= 1 and pred.numel() != gt.numel():
            pred = pred.argmax(dim=-1)
        pred, gt = pred.reshape(-1), gt.reshape(-1)
        if pred.numel() != gt.numel():
            raise ValueError(f'{pred.numel()} predictions for {gt.numel()} labels.')
        return {'correct': int((pred.long() == gt.long()).sum()), 'count': int(gt.numel())}

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Computes the accuracy from accumulated counts.

        Args:
            stats (dict): Counts of :meth:`compute_stats` summed over samples.

        Returns:
            dict: ``{'accuracy': float}`` in percent; NaN for zero samples.
        """
        n = stats['count']
        return {'accuracy': 100.0 * stats['correct'] / n if n else math.nan}

    @staticmethod
    def calculate(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Computes the accuracy in one call.

        Args:
            pred (Tensor | np.ndarray): Predicted class ids or scores.
            gt (Tensor | np.ndarray): Ground-truth class ids.

        Returns:
            dict: ``{'accuracy': float}``.
        """
        return ClassificationMetric.metrics_from_stats(ClassificationMetric.compute_stats(pred, gt))

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the correct and total counts of one sample."""
        return self.compute_stats(pred, gt)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns the accuracy from the summed counts."""
        return self.metrics_from_stats(stats)
