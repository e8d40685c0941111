"""Boundary detection F-measure (ODS, OIS) of the BSDS protocol, through pyEdgeEval."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor

from mtlreg.registry import METRICS
from mtlreg.utils.edge_eval import pyedgeeval
from .base_task_metric import ArrayLike, BaseTaskMetric


def boundary_thresholds(thresholds: Union[int, Sequence[float]]) -> np.ndarray:
    """The thresholds of the protocol: ``n`` evenly spaced in (0, 1) (BSDS: 99), or the given list."""
    if isinstance(thresholds, bool) or not isinstance(thresholds, (int, list, tuple, np.ndarray)):
        raise ValueError(f'thresholds must be a count or a list of values in [0, 1], got {thresholds!r}')
    if isinstance(thresholds, int):
        if thresholds < 1:
            raise ValueError(f'thresholds must be a positive count, got {thresholds}')
        return pyedgeeval().check_thresholds(int(thresholds))
    values = np.asarray(thresholds, dtype=np.float64).ravel()
    if not values.size or (values < 0).any() or (values > 1).any() or (np.diff(values) <= 0).any():
        raise ValueError(f'thresholds must be increasing values in [0, 1], got {list(values)}')
    return values


@METRICS.register_module()
class BoundaryMetric(BaseTaskMetric):
    """Scores predicted boundary probabilities against binary ground-truth boundaries.

    The BSDS benchmark protocol (Martin et al. 2004; Arbeláez et al., TPAMI
    2011) as the dense multi-task works report it for PASCAL-Context and
    NYUD-v2 boundaries (Maninis et al. 2019; Vandenhende et al. 2020): at
    every threshold ``t`` the prediction ``p >= t`` is thinned to one-pixel
    lines and matched one-to-one to the ground-truth boundary pixels within a
    distance of ``max_dist`` times the image diagonal (the bipartite
    matching of pyEdgeEval's ``correspond_pixels``, a port of the BSDS C++
    code). Matched counts and totals are summed over the dataset:

    * ``odsF``: the F-measure ``2PR / (P + R)`` at the best threshold for the
      whole dataset (optimal dataset scale), with the benchmark's linear
      interpolation between neighbouring thresholds, in percent;
    * ``oisF``: the F-measure of the counts summed at each image's best
      threshold (optimal image scale), in percent.

    Both are higher-is-better. An image without ground-truth boundary pixels
    adds its predicted pixels to the precision's denominator only.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        max_dist (float): Matching tolerance as a fraction of the image
            diagonal: 0.0075 (PASCAL-Context, BSDS's default) or 0.011
            (NYUD-v2), as in those works. Defaults to 0.0075.
        thresholds (int | Sequence[float]): A count of thresholds evenly
            spaced in (0, 1), or the thresholds. Defaults to 99 (BSDS); fewer
            make validation faster.
        apply_thinning (bool): Thin the thresholded prediction first (the
            protocol). Defaults to True.
        prefix (str, optional): See :class:`BaseTaskMetric`.
        collect_device (str): See :class:`BaseTaskMetric`.
        collect_dir (str, optional): See :class:`BaseTaskMetric`.

    Examples:
        >>> gt = np.zeros((20, 20)); gt[10, :] = 1
        >>> pred = np.zeros((20, 20)); pred[10, :10] = 0.8
        >>> res = BoundaryMetric.calculate(pred, gt, thresholds=[0.5])  # doctest: +SKIP
        >>> {k: round(v, 2) for k, v in res.items()}  # doctest: +SKIP
        {'odsF': 66.67, 'oisF': 66.67}

    (Not run as a doctest: pyEdgeEval's matcher is randomised and leaves a pixel
    unmatched in about 2 % of calls; the tests cover this case with that margin.)
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(thresholds=3)

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('dense',)

    #: Names of the outputs, without the prefix.
    metric_names: tuple[str, ...] = ('odsF', 'oisF')

    def __init__(self,
                 task: str,
                 max_dist: float = 0.0075,
                 thresholds: Union[int, Sequence[float]] = 99,
                 apply_thinning: bool = True,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(task, prefix=prefix, collect_device=collect_device, collect_dir=collect_dir)
        if not 0.0 < float(max_dist) < 1.0:
            raise ValueError(f'BoundaryMetric: max_dist is a fraction of the image diagonal in (0, 1), '
                             f'got {max_dist!r}')
        self.max_dist = float(max_dist)
        self.thresholds = boundary_thresholds(thresholds)
        self.apply_thinning = bool(apply_thinning)

    @staticmethod
    def compute_stats(pred: ArrayLike,
                      gt: ArrayLike,
                      thresholds: Union[int, Sequence[float]] = 99,
                      max_dist: float = 0.0075,
                      apply_thinning: bool = True) -> dict:
        """Matches one prediction to its ground truth at every threshold.

        Args:
            pred (Tensor | np.ndarray): Boundary probabilities of one image,
                ``[H, W]`` or ``[1, H, W]``.
            gt (Tensor | np.ndarray): Ground-truth boundaries of the same
                size; pixels ``>= 0.5`` are boundary pixels.
            thresholds: See the class.
            max_dist (float): See the class.
            apply_thinning (bool): See the class.

        Returns:
            dict: ``counts``, a ``[4, T]`` array of matched ground-truth
            pixels, ground-truth pixels, matched predicted pixels and
            predicted pixels per threshold; ``best``, the same four numbers at
            this image's best threshold.

        Raises:
            ValueError: On mismatching shapes or a map that is not 2-D.
        """
        edge_eval = pyedgeeval()
        pred, gt = BaseTaskMetric.match_shapes(torch.as_tensor(pred), torch.as_tensor(gt))
        pred, gt = pred.squeeze(), gt.squeeze()
        if pred.dim() != 2:
            raise ValueError(f'expected one boundary map [H, W] or [1, H, W] per sample, got shape '
                             f'{tuple(pred.shape)}')
        thresholds = boundary_thresholds(thresholds)
        pred_np = pred.detach().double().cpu().numpy()
        gt_np = gt.detach().cpu().numpy() >= 0.5
        counts = np.stack(edge_eval.evaluate_boundaries_threshold(thresholds, pred_np, gt_np, max_dist=max_dist,
                                                                  apply_thinning=apply_thinning))
        f1 = edge_eval.compute_rec_prec_f1(*counts)[2]
        return {'counts': counts, 'best': counts[:, int(np.argmax(f1))].copy()}

    @staticmethod
    def metrics_from_stats(stats: dict, thresholds: Union[int, Sequence[float]] = 99) -> dict:
        """Computes ODS and OIS F-measures (percent) from counts summed over images."""
        edge_eval = pyedgeeval()
        counts, best = np.asarray(stats['counts'], np.float64), np.asarray(stats['best'], np.float64)
        if counts[1].max() == 0:  # no ground-truth boundary pixel at all
            return {'odsF': math.nan, 'oisF': math.nan}
        thresholds = boundary_thresholds(thresholds)
        rec, prec, _ = edge_eval.compute_rec_prec_f1(*counts)
        ods = float(edge_eval.interpolated_max_scores(thresholds, rec, prec)[3])
        ois = float(edge_eval.compute_rec_prec_f1(*best)[2])
        return {'odsF': 100.0 * ods, 'oisF': 100.0 * ois}

    @classmethod
    def calculate(cls, pred: ArrayLike, gt: ArrayLike, thresholds=99, max_dist: float = 0.0075,
                  apply_thinning: bool = True) -> dict:
        """Scores one image (``[H, W]``) or a stack of images (``[N, H, W]``, ``[N, 1, H, W]``) in one call."""
        pred, gt = torch.as_tensor(pred), torch.as_tensor(gt)
        if pred.dim() == 2:
            pred, gt = pred[None], gt[None]
        stats = [cls.compute_stats(p, g, thresholds, max_dist, apply_thinning) for p, g in zip(pred, gt)]
        return cls.metrics_from_stats(cls.reduce_stats(stats), thresholds)

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the per-threshold counts of one sample."""
        return self.compute_stats(pred, gt, self.thresholds, self.max_dist, self.apply_thinning)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Returns ODS and OIS over the dataset."""
        return self.metrics_from_stats(stats, self.thresholds)
