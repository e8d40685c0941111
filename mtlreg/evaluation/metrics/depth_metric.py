"""Error and threshold-accuracy metrics of monocular depth estimation."""
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
class DepthMetric(BaseTaskMetric):
    """Computes absolute/relative/RMS depth errors and δ-threshold accuracies.

    Definitions follow Eigen et al. 2014 ("Depth Map Prediction from a Single
    Image using a Multi-Scale Deep Network"), as used for NYUv2 in the
    multi-task literature (e.g. Liu et al. 2019, MTAN). All averages are taken
    over every valid pixel of the dataset (pixels where the ground truth is
    finite and ``> 0``):

    * ``abs_err``: mean ``|pred - gt|`` (lower is better),
    * ``rel_err``: mean ``|pred - gt| / gt`` (lower is better),
    * ``rmse``: ``sqrt(mean (pred - gt)^2)`` (lower is better),
    * ``delta1``, ``delta2``, ``delta3``: percentage of pixels with
      ``max(pred / gt, gt / pred) < 1.25 ** k`` for ``k = 1, 2, 3`` (higher is
      better); ``pred`` is clamped to at least ``eps`` for this ratio only.

    Per sample, six sums and the valid-pixel count are stored.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        eps (float): Lower clamp of the prediction in the δ ratio.
            Defaults to 1e-6.
        prefix (str, optional): Prefix of the result keys. Defaults to
            ``task``.
        collect_device (str): Device used to gather results across ranks.
            Defaults to ``'cpu'``.
        collect_dir (str, optional): Directory used to gather results on cpu.

    Examples:
        >>> pred = torch.tensor([[[1.0, 2.0, 5.0, 3.0]]])
        >>> gt = torch.tensor([[[1.0, 4.0, 4.0, 0.0]]])  # last pixel invalid
        >>> res = DepthMetric.calculate(pred, gt)
        >>> {k: round(v, 2) for k, v in res.items()}
        {'abs_err': 1.0, 'rel_err': 0.25, 'rmse': 1.29, 'delta1': 33.33, 'delta2': 66.67, 'delta3': 66.67}
    """

    lower_is_better: frozenset[str] = frozenset({'abs_err', 'rel_err', 'rmse'})
    _STAT_KEYS = ('count', 'sum_abs', 'sum_rel', 'sum_sq', 'n_delta1', 'n_delta2', 'n_delta3')

    def __init__(self,
                 task: str,
                 eps: float = 1e-6,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device,
                         collect_dir=collect_dir)
        if eps <= 0:
            raise ValueError(f'eps must be positive, got {eps}.')
        self.eps = float(eps)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """tuple[str, ...]: The names of the outputs."""
        return ('abs_err', 'rel_err', 'rmse', 'delta1', 'delta2', 'delta3')

    @staticmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike, eps: float = 1e-6) -> dict:
        """Computes the error sums and δ counts of one or more depth maps.

        Args:
            pred (Tensor | np.ndarray): Predicted depth, any shape.
            gt (Tensor | np.ndarray): Ground-truth depth of the same shape
                (up to singleton dimensions); values ``<= 0`` or non-finite
                mark invalid pixels.
            eps (float): Lower clamp of the prediction in the δ ratio.

        Returns:
            dict: ``count`` (valid pixels), ``sum_abs``, ``sum_rel``,
            ``sum_sq`` and ``n_delta1..3`` as Python numbers.
        """
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        pred, gt = pred.reshape(-1).double(), gt.reshape(-1).double()
        valid = torch.isfinite(gt) & (gt > 0)
        pred, gt = pred[valid], gt[valid]
        diff = (pred - gt).abs()
        clamped = pred.clamp(min=eps)
        ratio = torch.maximum(clamped / gt, gt / clamped)
        values = torch.stack([
            diff.sum(), (diff / gt).sum(), (diff * diff).sum(),
            (ratio < 1.25).sum().double(), (ratio < 1.25**2).sum().double(),
            (ratio < 1.25**3).sum().double()
        ]).tolist()
        stats = {'count': int(valid.sum())}
        stats.update(zip(DepthMetric._STAT_KEYS[1:], values))
        return stats

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Computes the depth metrics from accumulated statistics.

        Args:
            stats (dict): Statistics of :meth:`compute_stats` summed over
                samples.

        Returns:
            dict: ``abs_err``, ``rel_err``, ``rmse`` (units of the depth) and
            ``delta1..3`` (percent); NaN where there is no valid pixel.
        """
        n = stats['count']
        if n == 0:
            return {k: math.nan for k in ('abs_err', 'rel_err', 'rmse', 'delta1', 'delta2', 'delta3')}
        return {
            'abs_err': stats['sum_abs'] / n,
            'rel_err': stats['sum_rel'] / n,
            'rmse': math.sqrt(stats['sum_sq'] / n),
            'delta1': 100.0 * stats['n_delta1'] / n,
            'delta2': 100.0 * stats['n_delta2'] / n,
            'delta3': 100.0 * stats['n_delta3'] / n,
        }

    @staticmethod
    def calculate(pred: ArrayLike, gt: ArrayLike, eps: float = 1e-6) -> dict:
        """Computes the depth metrics of depth maps in one call.

        Args:
            pred (Tensor | np.ndarray): Predicted depth.
            gt (Tensor | np.ndarray): Ground-truth depth (``<= 0`` invalid).
            eps (float): Lower clamp of the prediction in the δ ratio.

        Returns:
            dict: See :meth:`metrics_from_stats`.
        """
        return DepthMetric.metrics_from_stats(DepthMetric.compute_stats(pred, gt, eps))

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the error sums and δ counts of one sample."""
        return self.compute_stats(pred, gt, self.eps)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns the depth metrics from the summed statistics."""
        return self.metrics_from_stats(stats)
