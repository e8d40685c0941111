"""The boundary F-measure: matching within the tolerance, ODS over the dataset, OIS per image, errors.

pyEdgeEval's matcher (the BSDS one) draws random numbers seeded from the clock and leaves one pixel of a
perfect 20-pixel match unmatched in about 2 % of calls (5 of 300 measured), so values are compared within
what one pixel moves these F-measures (:func:`matched`).
"""
import math

import numpy as np
import pytest
import torch

from mtlreg.evaluation import BoundaryMetric


def matched(expected):
    """``expected`` within the change one unmatched pixel of these 20-pixel lines makes (at most 5 points)."""
    return pytest.approx(expected, abs=5.0)


def _row(size=20, row=10, cols=slice(None), value=1.0):
    out = np.zeros((size, size))
    out[row, cols] = value
    return out


def test_a_prediction_one_pixel_off_matches_within_the_tolerance_only():
    gt, pred = _row(), _row(row=11, value=0.8)  # 20 boundary pixels, predicted one row lower
    # diagonal 28.3 px: 0.04 of it is 1.1 px (matches), 0.001 is 0.03 px (does not)
    assert BoundaryMetric.calculate(pred, gt, thresholds=[0.5], max_dist=0.04)['odsF'] == matched(100.0)
    assert BoundaryMetric.calculate(pred, gt, thresholds=[0.5], max_dist=0.001)['odsF'] == 0.0


def test_precision_and_recall_by_hand():
    gt = _row()
    half = _row(cols=slice(0, 10), value=0.8)  # 10 of 20 found, all correct: P = 1, R = 1/2, F = 2/3
    assert BoundaryMetric.calculate(half, gt, thresholds=[0.5])['odsF'] == matched(200 / 3)
    extra = _row(value=0.8)
    extra[2, 2:6] = 0.9  # all 20 found plus a 4-pixel false line: P = 20/24, R = 1, F = 10/11
    res = BoundaryMetric.calculate(extra, gt, thresholds=[0.5, 0.85], max_dist=0.04)
    assert res['odsF'] == matched(1000 / 11)


def test_ods_sums_counts_over_images_and_ois_takes_each_images_best_threshold():
    gt = np.stack([_row(), _row()])
    a = _row(value=0.3)        # found at t = 0.2 only
    b = _row(value=0.3)
    b[5, :] = 0.3              # a false row at the same strength ...
    b[10, :] = 0.9             # ... and the true row stronger: best at t = 0.6
    metric = BoundaryMetric(task='edge', thresholds=[0.2, 0.6], max_dist=0.01)
    metric.process(None, [{'edge': {'pred': torch.as_tensor(p)[None], 'gt': torch.as_tensor(g)[None]}}
                          for p, g in zip((a, b), gt)])
    res = metric.evaluate(2)
    # per threshold over both images: t=0.2: R = 40/40, P = 40/60 -> F = 0.8; t=0.6: R = 20/40, P = 1 -> F = 2/3;
    # ODS interpolates P and R linearly between the thresholds (101 points): at a share d of the way,
    # R = 1 - d/2, P = 2/3 + d/3, F = 2 (4 - d²) / (10 - d), largest at d = 10 - √96 ≈ 0.202; on the grid d = 0.2
    assert res['edge/odsF'] == matched(100 * 2 * (4 - 0.2 ** 2) / (10 - 0.2))
    # OIS: image a at t=0.2 (20/20, 20/20), image b at t=0.6 (20/20, 20/20): F = 1
    assert res['edge/oisF'] == matched(100.0)


def test_images_without_boundaries_count_their_false_positives():
    metric = BoundaryMetric(task='edge', thresholds=[0.5], max_dist=0.01)
    empty = np.zeros((20, 20))
    samples = [(_row(value=0.9), _row()), (_row(row=3, value=0.9), empty)]
    metric.process(None, [{'edge': {'pred': torch.as_tensor(p), 'gt': torch.as_tensor(g)}} for p, g in samples])
    # R = 20/20, P = 20/40 -> F = 2/3
    assert metric.evaluate(2)['edge/odsF'] == matched(200 / 3)
    assert math.isnan(BoundaryMetric.calculate(empty, empty, thresholds=[0.5])['odsF'])


def test_threshold_count_follows_the_bsds_spacing_and_bad_settings_are_refused():
    metric = BoundaryMetric(task='edge', thresholds=3)
    np.testing.assert_allclose(metric.thresholds, [0.25, 0.5, 0.75])
    assert metric.lower_is_better == frozenset()
    with pytest.raises(ValueError, match='max_dist'):
        BoundaryMetric(task='edge', max_dist=2.0)
    with pytest.raises(ValueError, match='increasing'):
        BoundaryMetric(task='edge', thresholds=[0.6, 0.2])
    with pytest.raises(ValueError, match=r'\[H, W\]'):
        BoundaryMetric.compute_stats(torch.zeros(2, 4, 4), torch.zeros(2, 4, 4), thresholds=[0.5])
