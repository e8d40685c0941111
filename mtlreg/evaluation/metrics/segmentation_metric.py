"""Mean intersection-over-union and pixel accuracy of semantic segmentation."""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from mtlreg.registry import METRICS
from .base_task_metric import ArrayLike, BaseTaskMetric


@METRICS.register_module()
class SegmentationMetric(BaseTaskMetric):
    """Computes dataset-level mIoU and pixel accuracy of a segmentation task.

    The per-class areas are accumulated over the whole dataset (the confusion
    matrix way, as in the PASCAL VOC protocol of Everingham et al. 2010), then

    * ``IoU_c = TP_c / (TP_c + FP_c + FN_c)`` for every class ``c``,
    * ``mIoU`` is the mean of ``IoU_c`` over the classes whose union
      ``TP_c + FP_c + FN_c`` is positive, i.e. that appear in the ground truth
      or in the prediction (a class only ever predicted counts with IoU 0;
      classes absent from both are left out),
    * ``pixel_acc = sum_c TP_c / #valid pixels``.

    Pixels whose ground truth equals ``ignore_index`` are left out entirely.
    Both outputs are in percent; higher is better.

    For each sample the intersection, prediction and ground-truth areas per
    class are stored (``3 x num_classes`` integers).

    Args:
        task (str): Name of the task whose entry is read from each sample.
        num_classes (int): Number of classes; labels are ``0..num_classes-1``.
        ignore_index (int): Ground-truth label of pixels to leave out.
            Defaults to 255.
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> pred = torch.tensor([[0, 1, 2], [1, 1, 0]])
        >>> gt = torch.tensor([[0, 1, 1], [1, 255, 0]])
        >>> res = SegmentationMetric.calculate(pred, gt, num_classes=4)
        >>> {k: round(v, 2) for k, v in res.items()}
        {'mIoU': 55.56, 'pixel_acc': 80.0}
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(num_classes=3)

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('segmentation',)

    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('mIoU', 'pixel_acc')

    def __init__(self,
                 task: str,
                 num_classes: int,
                 ignore_index: int = 255,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device,
                         collect_dir=collect_dir)
        if int(num_classes) < 1:
            raise ValueError(f'num_classes must be positive, got {num_classes}.')
        self.num_classes = int(num_classes)
        self.ignore_index = int(ignore_index)

    @staticmethod
    def compute_stats(pred: ArrayLike,
                      gt: ArrayLike,
                      num_classes: int,
                      ignore_index: int = 255) -> dict:
        """Computes the per-class areas of one or more label maps.

        Args:
            pred (Tensor | np.ndarray): Predicted class ids, any shape; or
                floating-point scores with one more leading dimension than
                ``gt`` (class dimension first), which are arg-maxed.
            gt (Tensor | np.ndarray): Ground-truth class ids, same shape as
                the class-id prediction.
            num_classes (int): Number of classes.
            ignore_index (int): Ground-truth label to leave out.

        Returns:
            dict: ``{'areas': int64 array [3, num_classes]}`` holding the
            intersection, predicted and ground-truth areas per class.

        Raises:
            ValueError: On mismatching shapes or labels outside
                ``[0, num_classes)`` (other than ``ignore_index`` in ``gt``).
        """
        pred, gt = torch.as_tensor(pred), torch.as_tensor(gt)
        if pred.is_floating_point() and pred.dim() == gt.dim() + 1:
            pred = pred.argmax(dim=0)
        pred, gt = BaseTaskMetric.match_shapes(pred, gt)
        pred, gt = pred.reshape(-1).long(), gt.reshape(-1).long()
        valid = gt != ignore_index
        pred, gt = pred[valid], gt[valid]
        if gt.numel():
            if int(gt.min()) < 0 or int(gt.max()) >= num_classes:
                raise ValueError(
                    f'Ground-truth labels must lie in [0, {num_classes}) or equal ignore_index '
                    f'{ignore_index}; found values in [{int(gt.min())}, {int(gt.max())}].')
            if int(pred.min()) < 0 or int(pred.max()) >= num_classes:
                raise ValueError(
                    f'Predicted labels must lie in [0, {num_classes}); found values in '
                    f'[{int(pred.min())}, {int(pred.max())}].')
        inter = torch.bincount(pred[pred == gt], minlength=num_classes)
        area_pred = torch.bincount(pred, minlength=num_classes)
        area_gt = torch.bincount(gt, minlength=num_classes)
        areas = torch.stack([inter, area_pred, area_gt]).cpu().numpy().astype(np.int64)
        return {'areas': areas}

    @staticmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Computes mIoU and pixel accuracy from accumulated areas.

        Args:
            stats (dict): ``{'areas': array [3, num_classes]}`` as returned by
                :meth:`compute_stats`, summed over samples.

        Returns:
            dict: ``{'mIoU': float, 'pixel_acc': float}`` in percent; NaN
            where there is no valid pixel.
        """
        inter, area_pred, area_gt = np.asarray(stats['areas'], dtype=np.float64)
        union = area_pred + area_gt - inter
        present = union > 0
        miou = 100.0 * float(np.mean(inter[present] / union[present])) if present.any() else math.nan
        total = area_gt.sum()
        acc = 100.0 * float(inter.sum() / total) if total > 0 else math.nan
        return {'mIoU': miou, 'pixel_acc': acc}

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the per-class areas of one sample."""
        return self.compute_stats(pred, gt, self.num_classes, self.ignore_index)
