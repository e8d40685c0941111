import math

import pytest
import torch

from mtlreg.evaluation import DepthMetric

# Valid pixels (gt > 0): pairs (pred, gt) = (1, 1), (2, 4), (5, 4), (0, 2).
# The zero, negative and NaN ground truths are invalid.
PRED = torch.tensor([[[1.0, 2.0, 5.0], [0.0, 3.0, 7.0], [9.0, 1.0, 1.0]]])
GT = torch.tensor([[[1.0, 4.0, 4.0], [2.0, 0.0, -1.0], [float('nan'), 0.0, 0.0]]])
# abs: 0, 2, 1, 2 -> 5/4; rel: 0, 0.5, 0.25, 1 -> 1.75/4; sq: 0, 4, 1, 4 -> 9/4
# ratios: 1, 2, 1.25, 2/eps (pred 0 clamped) -> delta1 1/4, delta2 2/4, delta3 2/4
EXPECTED = {
    'abs_err': 1.25, 'rel_err': 0.4375, 'rmse': 1.5,
    'delta1': 25.0, 'delta2': 50.0, 'delta3': 50.0,
}


def test_calculate_hand_example():
    assert DepthMetric.calculate(PRED, GT) == pytest.approx(EXPECTED)


def test_lower_is_better():
    assert DepthMetric.lower_is_better == {'abs_err', 'rel_err', 'rmse'}


def test_accumulation_matches_single_call():
    preds = [PRED, torch.rand(1, 3, 3) + 0.5, torch.rand(1, 3, 3) + 0.5]
    gts = [GT, torch.rand(1, 3, 3) + 0.5, torch.zeros(1, 3, 3)]
    metric = DepthMetric(task='depth')
    metric.process(None, [{'depth': {'pred': preds[0], 'gt': gts[0]}}])
    metric.process(None, [{'depth': {'pred': p, 'gt': g}} for p, g in zip(preds[1:], gts[1:])])
    res = metric.evaluate(3)
    once = DepthMetric.calculate(torch.stack(preds), torch.stack(gts))
    assert res == pytest.approx({f'depth/{k}': v for k, v in once.items()})


def test_no_valid_pixel_gives_nan():
    res = DepthMetric.calculate(torch.ones(1, 2, 2), torch.zeros(1, 2, 2))
    assert all(math.isnan(v) for v in res.values())


def test_custom_task_name_and_prefix():
    metric = DepthMetric(task='z', prefix='depth_z')
    metric.process(None, [{'z': {'pred': PRED, 'gt': GT}}])
    assert metric.evaluate(1)['depth_z/abs_err'] == pytest.approx(1.25)


def test_shape_mismatch_raises():
    metric = DepthMetric(task='depth')
    with pytest.raises(ValueError, match="task 'depth'.*does not match"):
        metric.process(None, [{'depth': {'pred': PRED[:, :2], 'gt': GT}}])
