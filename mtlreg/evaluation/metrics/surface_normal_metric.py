"""Angular-error metrics of surface-normal estimation."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


@METRICS.register_module()
class SurfaceNormalMetric(BaseTaskMetric):
    """Computes the angular error between predicted and true surface normals.

    Definitions follow Fouhey et al. 2013 ("Data-Driven 3D Primitives for
    Single Image Understanding") and Eigen & Fergus 2015, as used for NYUv2 in
    the multi-task literature (e.g. Liu et al. 2019, MTAN). The angle between
    the prediction and the ground truth is taken at every valid pixel (ground
    truth finite and not the zero vector) of the dataset:

    * ``mean_angle``: mean angle in degrees (lower is better),
    * ``median_angle``: median angle in degrees (lower is better),
    * ``within_<t>``: percentage of pixels with an angle ``< t`` degrees, for
      ``t`` in ``thresholds`` (default ``within_11.25``, ``within_22.5``,
      ``within_30``; higher is better).

    The angle is ``atan2(|p x g|, p . g)`` in float64, which does not depend
    on the lengths of ``p`` and ``g`` and stays accurate near 0 and 180
    degrees; a zero prediction vector counts as 90 degrees off.

    Storage for the median (``median_mode``):

    * ``'exact'`` (default): the angle of every valid pixel is kept as a
      float32 numpy array per sample (4 bytes per valid pixel) and the median
      is the exact median of their concatenation (mean of the two middle
      values for an even count).
    * ``'histogram'``: every sample keeps a histogram with bins of
      ``hist_bin_width`` degrees over ``[0, 180]`` (int32); the median is
      linearly interpolated inside the bin holding it, which for densely
      filled histograms is within about one bin width of the exact value
      (72 KB per sample at the default width). Use it when the exact mode
      needs too much memory.

    The mean and the ``within`` percentages are exact in both modes.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        thresholds (Sequence[float]): Angles in degrees of the ``within``
            outputs. Defaults to ``(11.25, 22.5, 30.0)``.
        median_mode (str): ``'exact'`` or ``'histogram'``. Defaults to
            ``'exact'``.
        hist_bin_width (float): Bin width in degrees of the histogram mode.
            Defaults to 0.01.
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> gt = torch.tensor([0., 0., 1.]).view(3, 1, 1).expand(3, 1, 3)
        >>> pred = torch.tensor([[0., 1., 1.], [0., 0., 0.], [1., 0., 1.]]).view(3, 1, 3)
        >>> res = SurfaceNormalMetric.calculate(pred, gt)  # angles 0, 90, 45
        >>> {k: round(v, 2) for k, v in res.items()}
        {'mean_angle': 45.0, 'median_angle': 45.0, 'within_11.25': 33.33, 'within_22.5': 33.33, 'within_30': 33.33}
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('normal',)

    lower_is_better: frozenset[str] = frozenset({'mean_angle', 'median_angle'})
    _concat_keys: frozenset[str] = frozenset({'angles'})

    def __init__(self,
                 task: str,
                 thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                 median_mode: str = 'exact',
                 hist_bin_width: float = 0.01,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device,
                         collect_dir=collect_dir)
        if median_mode not in ('exact', 'histogram'):
            raise ValueError(f"median_mode must be 'exact' or 'histogram', got {median_mode!r}.")
        if hist_bin_width <= 0:
            raise ValueError(f'hist_bin_width must be positive, got {hist_bin_width}.')
        self.thresholds = tuple(float(t) for t in thresholds)
        self.median_mode = median_mode
        self.hist_bin_width = float(hist_bin_width)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """tuple[str, ...]: The names of the outputs."""
        return ('mean_angle', 'median_angle') + tuple(self.within_name(t) for t in self.thresholds)

    @staticmethod
    def within_name(threshold: float) -> str:
        """Returns the output name of a threshold, e.g. ``'within_11.25'``."""
        return f'within_{threshold:g}'

    @staticmethod
    def angles(pred: ArrayLike, gt: ArrayLike) -> Tensor:
        """Returns the angles in degrees at the valid pixels, as float64.

        Args:
            pred (Tensor | np.ndarray): Predicted normals, vector components
                along dimension -3 (``[3, H, W]`` or ``[N, 3, H, W]``).
            gt (Tensor | np.ndarray): Ground-truth normals of the same shape;
                an all-zero or non-finite vector marks an invalid pixel.

        Returns:
            Tensor: 1-D float64 tensor of the angles of the valid pixels.
        """
        pred, gt = torch.as_tensor(pred), torch.as_tensor(gt)
        if pred.shape != gt.shape or pred.dim() < 3 or pred.shape[-3] != 3:
            raise ValueError(f'Normals must have equal shapes [..., 3, H, W]; got prediction '
                             f'{tuple(pred.shape)} and ground truth {tuple(gt.shape)}.')
        # Move the vector dimension last and flatten the pixels.
        pred = pred.double().movedim(-3, -1).reshape(-1, 3)
        gt = gt.double().movedim(-3, -1).reshape(-1, 3)
        gt_norm = gt.norm(dim=1)
        valid = torch.isfinite(gt).all(dim=1) & (gt_norm > 0)
        pred, gt = pred[valid], gt[valid]
        cross = torch.linalg.cross(pred, gt, dim=1).norm(dim=1)
        dot = (pred * gt).sum(dim=1)
        angle = torch.rad2deg(torch.atan2(cross, dot))
        zero_pred = pred.norm(dim=1) == 0
        return torch.where(zero_pred, torch.full_like(angle, 90.0), angle)

    @staticmethod
    def compute_stats(pred: ArrayLike,
                      gt: ArrayLike,
                      thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                      median_mode: str = 'exact',
                      hist_bin_width: float = 0.01) -> dict:
        """Computes the angle statistics of one or more normal maps.

        Args:
            pred (Tensor | np.ndarray): Predicted normals ``[..., 3, H, W]``.
            gt (Tensor | np.ndarray): Ground-truth normals, same shape.
            thresholds (Sequence[float]): Angles of the ``within`` counts.
            median_mode (str): ``'exact'`` keeps the angles (float32 array
                ``'angles'``), ``'histogram'`` keeps an int32 histogram
                ``'hist'``.
            hist_bin_width (float): Bin width in degrees of the histogram.

        Returns:
            dict: ``count``, ``sum_angle``, ``n_within`` (int64 array, one
            count per threshold) and ``angles`` or ``hist``.
        """
        angle = SurfaceNormalMetric.angles(pred, gt)
        within = angle.new_tensor([float(t) for t in thresholds])
        within = (angle[:, None] < within[None, :]).sum(dim=0)
        stats = {
            'count': int(angle.numel()),
            'sum_angle': float(angle.sum()),
            'n_within': within.cpu().numpy().astype(np.int64),
        }
        if median_mode == 'exact':
            stats['angles'] = angle.float().cpu().numpy()
        else:
            n_bins = int(math.ceil(180.0 / hist_bin_width))
            idx = (angle / hist_bin_width).long().clamp(0, n_bins - 1)
            stats['hist'] = torch.bincount(idx, minlength=n_bins).cpu().numpy().astype(np.int32)
        return stats

    @staticmethod
    def metrics_from_stats(stats: dict,
                           thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                           hist_bin_width: float = 0.01) -> dict:
        """Computes the angle metrics from accumulated statistics.

        Args:
            stats (dict): Statistics of :meth:`compute_stats` reduced over
                samples (``angles`` concatenated, everything else summed).
            thresholds (Sequence[float]): The thresholds of ``n_within``.
            hist_bin_width (float): Bin width of ``hist``, if present.

        Returns:
            dict: ``mean_angle``, ``median_angle`` (degrees) and
            ``within_<t>`` (percent); NaN where there is no valid pixel.
        """
        n = stats['count']
        names = [SurfaceNormalMetric.within_name(t) for t in thresholds]
        if n == 0:
            return {k: math.nan for k in ['mean_angle', 'median_angle'] + names}
        if 'angles' in stats:
            median = float(np.median(np.asarray(stats['angles'], dtype=np.float64)))
        else:
            median = SurfaceNormalMetric.histogram_median(stats['hist'], hist_bin_width)
        out = {'mean_angle': stats['sum_angle'] / n, 'median_angle': median}
        for name, count in zip(names, np.asarray(stats['n_within']).tolist()):
            out[name] = 100.0 * count / n
        return out

    @staticmethod
    def histogram_median(hist: np.ndarray, bin_width: float) -> float:
        """Returns the median of binned values, interpolated inside its bin.

        Args:
            hist (np.ndarray): Counts of bins ``[i * w, (i + 1) * w)``.
            bin_width (float): The bin width ``w``.

        Returns:
            float: The interpolated median (NaN for an empty histogram).

        Examples:
            >>> SurfaceNormalMetric.histogram_median(np.array([1, 2, 1]), 1.0)
            1.5
        """
        hist = np.asarray(hist, dtype=np.int64)
        total = int(hist.sum())
        if total == 0:
            return math.nan
        half = total / 2.0
        cum = np.cumsum(hist)
        i = int(np.searchsorted(cum, half, side='left'))
        before = cum[i - 1] if i > 0 else 0
        return float((i + (half - before) / hist[i]) * bin_width)

    @staticmethod
    def calculate(pred: ArrayLike,
                  gt: ArrayLike,
                  thresholds: Sequence[float] = (11.25, 22.5, 30.0)) -> dict:
        """Computes the angle metrics of normal maps in one call (exact median).

        Args:
            pred (Tensor | np.ndarray): Predicted normals ``[..., 3, H, W]``.
            gt (Tensor | np.ndarray): Ground-truth normals, same shape.
            thresholds (Sequence[float]): Angles of the ``within`` outputs.

        Returns:
            dict: See :meth:`metrics_from_stats`.
        """
        stats = SurfaceNormalMetric.compute_stats(pred, gt, thresholds)
        return SurfaceNormalMetric.metrics_from_stats(stats, thresholds)

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the angle statistics of one sample."""
        return self.compute_stats(pred, gt, self.thresholds, self.median_mode,
                                  self.hist_bin_width)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns the angle metrics from the reduced statistics."""
        return self.metrics_from_stats(stats, self.thresholds, self.hist_bin_width)
