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


#: The thresholds of the max F-measure (0.05 to 0.95 in steps of 0.05; ATRC, InvPT).
DEFAULT_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
#: The thresholds of the IoU (15 from 0.2 to 0.9; ASTMT, MTI-Net).
DEFAULT_IOU_THRESHOLDS = tuple(float(t) for t in np.linspace(0.2, 0.9, 15))


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

    with ``β² = 0.3`` (precision weighted above recall), in percent; this is
    the dataset-level form of ATRC and InvPT (Brüggemann et al. 2021; Ye & Xu
    2022). Also ``mIoU``, the saliency score of ASTMT and MTI-Net (Maninis et
    al. 2019; Vandenhende et al. 2020) that Choi & Im's PASCAL-Context table
    reports: per image, the Jaccard index of ``p > t`` and the ground truth
    (1 when both are empty), averaged over the images, maximised over
    ``iou_thresholds``. Both are in percent, higher is better. Pixels whose
    ground truth equals ``ignore_index`` are left out.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        thresholds (Sequence[float]): Thresholds of the F-measure. Defaults to
            0.05, 0.10, ..., 0.95.
        iou_thresholds (Sequence[float]): Thresholds of the IoU. Defaults to
            15 values from 0.2 to 0.9.
        beta_squared (float): ``β²``. Defaults to 0.3.
        ignore_index (int): Ground-truth value of pixels to leave out.
            Defaults to 255.
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> pred = torch.tensor([[0.9, 0.6, 0.2, 0.1]])
        >>> gt = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
        >>> res = SaliencyMetric.calculate(pred, gt, thresholds=[0.5, 0.8], iou_thresholds=[0.5, 0.8])
        >>> {k: round(v, 2) for k, v in res.items()}
        {'maxF': 81.25, 'mIoU': 50.0}
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
                 iou_thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS,
                 beta_squared: float = 0.3,
                 ignore_index: int = 255,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device, collect_dir=collect_dir)
        if not float(beta_squared) > 0:
            raise ValueError(f'SaliencyMetric: beta_squared must be positive, got {beta_squared!r}')
        self.thresholds = saliency_thresholds(thresholds)
        self.iou_thresholds = saliency_thresholds(iou_thresholds)
        self.beta_squared = float(beta_squared)
        self.ignore_index = int(ignore_index)

    @staticmethod
    def compute_stats(pred: ArrayLike,
                      gt: ArrayLike,
                      thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                      ignore_index: int = 255,
                      iou_thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS) -> dict:
        """Counts, per threshold, the true, predicted and actual positives of one saliency map.

        Args:
            pred (Tensor | np.ndarray): Saliency probabilities, any shape.
            gt (Tensor | np.ndarray): Ground truth of the same shape;
                ``>= 0.5`` is salient, ``ignore_index`` is left out.
            thresholds (Sequence[float]): See the class.
            ignore_index (int): See the class.
            iou_thresholds (Sequence[float]): See the class.

        Returns:
            dict: ``counts``, a ``[3, T]`` int64 array (true positives,
            predicted positives, actual positives) per threshold; ``jaccard``,
            the image's Jaccard index per IoU threshold; ``images``, 1 (0
            and no Jaccard index when every pixel is ignored).
        """
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        pred, gt = pred.reshape(-1).double(), gt.reshape(-1).double()
        valid = gt != ignore_index
        pred, truth = pred[valid], gt[valid] >= 0.5
        t = torch.as_tensor(saliency_thresholds(thresholds), dtype=torch.float64)
        predicted = pred[None, :] >= t[:, None]
        counts = torch.stack([(predicted & truth).sum(1), predicted.sum(1),
                              truth.sum().expand(len(t))]).numpy().astype(np.int64)
        t_iou = torch.as_tensor(saliency_thresholds(iou_thresholds), dtype=torch.float64)
        fg = pred[None, :] > t_iou[:, None]
        inter, union = (fg & truth).sum(1).double(), (fg | truth).sum(1).double()
        jaccard = torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(union)).numpy()
        if not truth.numel():  # every pixel ignored: the image does not count
            return {'counts': counts, 'jaccard': np.zeros_like(jaccard), 'images': 0}
        return {'counts': counts, 'jaccard': jaccard, 'images': 1}

    @staticmethod
    def metrics_from_stats(stats: dict, beta_squared: float = 0.3) -> dict:
        """Returns ``maxF`` and ``mIoU`` (percent) from counts summed over the dataset; NaN without pixels."""
        tp, pp, ap = np.asarray(stats['counts'], np.float64)
        if not stats['images']:  # no image with a valid pixel
            return {'maxF': math.nan, 'mIoU': math.nan}
        with np.errstate(divide='ignore', invalid='ignore'):
            precision = np.where(pp > 0, tp / pp, 0.0)
            recall = np.where(ap > 0, tp / ap, 0.0)
            denom = beta_squared * precision + recall
            f = np.where(denom > 0, (1 + beta_squared) * precision * recall / denom, 0.0)
        miou = float(np.max(np.asarray(stats['jaccard'], np.float64) / stats['images']))
        return {'maxF': 100.0 * float(f.max()), 'mIoU': 100.0 * miou}

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the per-threshold counts of one sample."""
        return self.compute_stats(pred, gt, self.thresholds, self.ignore_index, self.iou_thresholds)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns maxF and mIoU over the dataset."""
        return self.metrics_from_stats(stats, self.beta_squared)
