import math

import numpy as np
import pytest
import torch

from mtlreg.evaluation import SurfaceNormalMetric


def normals(vectors):
    """[N, 3] list -> [3, 1, N] tensor."""
    return torch.tensor(vectors, dtype=torch.float32).T.reshape(3, 1, -1)


Z = [0.0, 0.0, 1.0]


def test_known_angles_and_odd_median():
    # 0, 90, 45 degrees; a non-unit prediction; one invalid (all-zero) gt pixel.
    pred = normals([[0, 0, 2], [1, 0, 0], [1, 0, 1], [1, 0, 0]])
    gt = normals([Z, Z, Z, [0, 0, 0]])
    res = SurfaceNormalMetric.calculate(pred, gt)
    assert res == pytest.approx({
        'mean_angle': 45.0, 'median_angle': 45.0,
        'within_11.25': 100 / 3, 'within_22.5': 100 / 3, 'within_30': 100 / 3})


def test_angles_are_accurate():
    pred = normals([Z, [0, 0, -1], [0, 1, 1], [1, 0, 0]])
    gt = normals([Z, Z, Z, [math.cos(0.1), math.sin(0.1), 0]])
    angles = SurfaceNormalMetric.angles(pred, gt)
    assert angles.tolist() == pytest.approx([0.0, 180.0, 45.0, math.degrees(0.1)], abs=1e-5)
    assert angles[0] == 0.0


def test_zero_prediction_counts_as_90_degrees():
    angles = SurfaceNormalMetric.angles(normals([[0, 0, 0]]), normals([Z]))
    assert angles.tolist() == [90.0]


def test_even_median_and_dataset_level_median():
    metric = SurfaceNormalMetric(task='normal')
    # sample 1: angles 0, 90; sample 2: angles 45, 45, 90 -> all: 0, 45, 45, 90, 90
    metric.process(None, [{'normal': {'pred': normals([Z, [1, 0, 0]]), 'gt': normals([Z, Z])}}])
    metric.process(None, [{'normal': {'pred': normals([[1, 0, 1], [0, 1, 1], [0, 1, 0]]),
                                      'gt': normals([Z, Z, Z])}}])
    res = metric.evaluate(2)
    assert res['normal/median_angle'] == pytest.approx(45.0)
    assert res['normal/mean_angle'] == pytest.approx(270 / 5)
    assert res['normal/within_11.25'] == pytest.approx(20.0)
    # Even count: mean of the two middle values.
    res = SurfaceNormalMetric.calculate(normals([Z, [1, 0, 0]]), normals([Z, Z]))
    assert res['median_angle'] == pytest.approx(45.0)


def test_accumulation_matches_single_call():
    torch.manual_seed(0)
    preds = [torch.randn(3, 2, 3) for _ in range(3)]
    gts = [torch.randn(3, 2, 3) for _ in range(3)]
    gts[1][:, 0, 0] = 0
    metric = SurfaceNormalMetric(task='normal', thresholds=(30, 60))
    metric.process(None, [{'normal': {'pred': p, 'gt': g}} for p, g in zip(preds[:2], gts[:2])])
    metric.process(None, [{'normal': {'pred': preds[2], 'gt': gts[2]}}])
    res = metric.evaluate(3)
    once = SurfaceNormalMetric.calculate(torch.stack(preds), torch.stack(gts), thresholds=(30, 60))
    assert set(once) == {'mean_angle', 'median_angle', 'within_30', 'within_60'}
    assert res == pytest.approx({f'normal/{k}': v for k, v in once.items()}, rel=1e-6)


def test_histogram_mode_close_to_exact():
    torch.manual_seed(0)
    # An odd pixel count: the exact median is one angle, inside the bin the
    # histogram interpolates in.
    pred, gt = torch.randn(3, 7, 9), torch.randn(3, 7, 9)
    exact = SurfaceNormalMetric.calculate(pred, gt)
    metric = SurfaceNormalMetric(task='n', median_mode='histogram', hist_bin_width=0.01)
    metric.process(None, [{'n': {'pred': pred, 'gt': gt}}])
    res = metric.evaluate(1)
    assert res['n/median_angle'] == pytest.approx(exact['median_angle'], abs=0.0101)
    assert res['n/mean_angle'] == pytest.approx(exact['mean_angle'])
    assert SurfaceNormalMetric.histogram_median(np.array([0, 3, 0]), 2.0) == pytest.approx(3.0)


def test_no_valid_pixel_gives_nan():
    res = SurfaceNormalMetric.calculate(torch.ones(3, 2, 2), torch.zeros(3, 2, 2))
    assert all(math.isnan(v) for v in res.values())


def test_bad_shapes_and_options_raise():
    with pytest.raises(ValueError, match=r'\[\.\.\., 3, H, W\]'):
        SurfaceNormalMetric.calculate(torch.ones(2, 2, 2), torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match='median_mode'):
        SurfaceNormalMetric(task='normal', median_mode='approx')
