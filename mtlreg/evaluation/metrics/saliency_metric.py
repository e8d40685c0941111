"""Maximum F-measure of salient-object maps."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


def saliency_thresholds(thresholds) -> np.ndarray:
    """Checks and returns the thresholds: increasing values in [0, 1]."""
    values = np.asarray(thresholds, dtype=np.float64).ravel()
    if not values.size or (values < 0).any() or (values > 1).any() or (np.diff(values) <= 0).any():
        raise ValueError(f'thresholds must be increasing values in [0, 1], got {list(values)}')
    return values


#: The thresholds of the multi-task saliency evaluation (0.05 to 0.95 in steps of 0.05).
DEFAULT_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


@METRICS.register_module()
class SaliencyMetric(BaseTaskMetric):
    """Computes the maximum F-measure of predicted saliency probabilities.

    The measure of salient-object detection (Achanta et al., CVPR 2009;
    Borji et al., TIP 2015) as the dense multi-task works report it for
    PASCAL-Context saliency (Maninis et al. 2019; Vandenhende et al. 2020):
    at each threshold ``t`` the prediction ``p >= t`` is compared with the
    binary ground truth (pixels ``>= 0.5``), true positives, predicted and
    actual positives are summed over the dataset, and

    .. math::

        F_\\beta(t) = \\frac{(1 + \\beta^2) P(t) R(t)}{\\beta^2 P(t) + R(t)},
        \\qquad \\mathrm{maxF} = \\max_t F_\\beta(t),

    with ``β² = 0.3`` (precision weighted above recall), in percent. Also
    ``mIoU``: the intersection over union of the foreground and of the
    background at threshold 0.5, averaged (higher is better, percent). Pixels
    whose ground truth equals ``ignore_index`` are left out.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        thresholds (Sequence[float]): Thresholds of the F-measure. Defaults to
            0.05, 0.10, ..., 0.95.
        beta_squared (float): ``β²``. Defaults to 0.3.
        ignore_index (int): Ground-truth value of pixels to leave out.
            Defaults to 255.
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> pred = torch.tensor([[0.9, 0.6, 0.2, 0.1]])
        >>> gt = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
        >>> res = SaliencyMetric.calculate(pred, gt, thresholds=[0.5, 0.8])
        >>> {k: round(v, 2) for k, v in res.items()}
        {'maxF': 81.25, 'mIoU': 33.33}
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict()

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('dense',)

    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('maxF', 'mIoU')

    def __init__(self,
                 task: str,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                 beta_squared: float = 0.3,
                 ignore_index: int = 255,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device, collect_dir=collect_dir)
        if not float(beta_squared) > 0:
            raise ValueError(f'SaliencyMetric: beta_squared must be positive, got {beta_squared!r}')
        self.thresholds = saliency_thresholds(thresholds)
        self.beta_squared = float(beta_squared)
        self.ignore_index = int(ignore_index)

    @staticmethod
    def compute_stats(pred: ArrayLike,
                      gt: ArrayLike,
                      thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                      ignore_index: int = 255) -> dict:
        """Counts, per threshold, the true, predicted and actual positives of saliency maps.

        Args:
            pred (Tensor | np.ndarray): Saliency probabilities, any shape.
            gt (Tensor | np.ndarray): Ground truth of the same shape;
                ``>= 0.5`` is salient, ``ignore_index`` is left out.
            thresholds (Sequence[float]): See the class.
            ignore_index (int): See the class.

        Returns:
            dict: ``counts``, a ``[3, T]`` int64 array (true positives,
            predicted positives, actual positives) per threshold, and
            ``iou``, the intersection and union of foreground and background
            at 0.5 (``[2, 2]``).
        """
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        pred, gt = pred.reshape(-1).double(), gt.reshape(-1).double()
        valid = gt != ignore_index
        pred, truth = pred[valid], gt[valid] >= 0.5
        t = torch.as_tensor(saliency_thresholds(thresholds), dtype=torch.float64)
        predicted = pred[None, :] >= t[:, None]
        counts = torch.stack([(predicted & truth).sum(1), predicted.sum(1),
                              truth.sum().expand(len(t))]).numpy().astype(np.int64)
        fg = pred >= 0.5
        iou = np.array([[int((fg & truth).sum()), int((fg | truth).sum())],
                        [int((~fg & ~truth).sum()), int((~fg | ~truth).sum())]], np.int64)
        return {'counts': counts, 'iou': iou}

    @staticmethod
    def metrics_from_stats(stats: dict, beta_squared: float = 0.3) -> dict:
        """Returns ``maxF`` and ``mIoU`` (percent) from counts summed over the dataset; NaN without pixels."""
        tp, pp, ap = np.asarray(stats['counts'], np.float64)
        inter, union = np.asarray(stats['iou'], np.float64).T
        if not union.any():
            return {'maxF': math.nan, 'mIoU': math.nan}
        with np.errstate(divide='ignore', invalid='ignore'):
            precision = np.where(pp > 0, tp / pp, 0.0)
            recall = np.where(ap > 0, tp / ap, 0.0)
            denom = beta_squared * precision + recall
            f = np.where(denom > 0, (1 + beta_squared) * precision * recall / denom, 0.0)
        present = union > 0
        return {'maxF': 100.0 * float(f.max()), 'mIoU': 100.0 * float(np.mean(inter[present] / union[present]))}

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the per-threshold counts of one sample."""
        return self.compute_stats(pred, gt, self.thresholds, self.ignore_index)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns maxF and mIoU over the dataset."""
        return self.metrics_from_stats(stats, self.beta_squared)
