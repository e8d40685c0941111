"""Error and threshold-accuracy metrics of monocular depth estimation."""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import Tensor

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


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
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> pred = torch.tensor([[[1.0, 2.0, 5.0, 3.0]]])
        >>> gt = torch.tensor([[[1.0, 4.0, 4.0, 0.0]]])  # last pixel invalid
        >>> res = DepthMetric.calculate(pred, gt)
        >>> {k: round(v, 2) for k, v in res.items()}
        {'abs_err': 1.0, 'rel_err': 0.25, 'rmse': 1.29, 'delta1': 33.33, 'delta2': 66.67, 'delta3': 66.67}
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('depth',)

    lower_is_better: frozenset[str] = frozenset({'abs_err', 'rel_err', 'rmse'})
    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('abs_err', 'rel_err', 'rmse', 'delta1', 'delta2', 'delta3')
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
        out = BaseTaskMetric.averages(
            stats, {'abs_err': 'sum_abs', 'rel_err': 'sum_rel', 'rmse': 'sum_sq'})
        out['rmse'] = math.sqrt(out['rmse'])  # mean square -> root mean square
        out.update(BaseTaskMetric.averages(
            stats, {f'delta{k}': f'n_delta{k}' for k in (1, 2, 3)}, scale=100.0))
        return out

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the error sums and δ counts of one sample."""
        return self.compute_stats(pred, gt, self.eps)
