import math

import pytest

from mtlreg.evaluation import delta_mt, delta_per_task

RESULTS = {
    'seg/mIoU': 42.0, 'seg/pixel_acc': 63.0,
    'depth/abs_err': 0.55, 'depth/rel_err': 0.2, 'depth/delta1': 70.0,
}
REFERENCE = {
    'seg': {'mIoU': 40.0, 'pixel_acc': 70.0},
    'depth': {'abs_err': 0.5, 'delta1': 80.0},
}
LOWER = {'depth': {'abs_err', 'rel_err', 'rmse'}}
# seg:   100/2 * ((42-40)/40 + (63-70)/70) = 50 * (0.05 - 0.1) = -2.5
# depth: 100/2 * (-(0.55-0.5)/0.5 + (70-80)/80) = 50 * (-0.1 - 0.125) = -11.25
# mean: -6.875


def test_delta_hand_example():
    deltas = delta_per_task(RESULTS, REFERENCE, LOWER)
    assert deltas == pytest.approx({'seg': -2.5, 'depth': -11.25})
    assert delta_mt(RESULTS, REFERENCE, LOWER) == pytest.approx(-6.875)


def test_lower_is_better_flips_the_sign():
    better = {'depth/abs_err': 0.4}
    assert delta_per_task(better, {'depth': {'abs_err': 0.5}}, LOWER)['depth'] == pytest.approx(20.0)
    assert delta_per_task(better, {'depth': {'abs_err': 0.5}}, {})['depth'] == pytest.approx(-20.0)


def test_nested_results_and_unreferenced_metrics_ignored():
    nested = {'seg': {'mIoU': 42.0, 'pixel_acc': 63.0}, 'depth': {'abs_err': 0.55, 'rel_err': 0.2,
                                                                  'delta1': 70.0}}
    assert delta_per_task(nested, REFERENCE, LOWER) == pytest.approx({'seg': -2.5, 'depth': -11.25})
    # Only the reference's tasks and metrics count.
    assert delta_mt(RESULTS, {'seg': {'mIoU': 40.0}}, LOWER) == pytest.approx(5.0)


def test_missing_metric_error_names_task_metric_and_available():
    with pytest.raises(KeyError, match=r"metric 'rmse' for task 'depth'.*\['abs_err', 'delta1', 'rel_err'\]"):
        delta_per_task(RESULTS, {'depth': {'rmse': 0.7}}, LOWER)


def test_missing_task_error():
    with pytest.raises(KeyError, match=r"task 'normal'.*\['depth', 'seg'\]"):
        delta_per_task(RESULTS, {'normal': {'mean_angle': 20.0}}, LOWER)


def test_invalid_reference():
    with pytest.raises(ValueError, match='is 0'):
        delta_per_task(RESULTS, {'seg': {'mIoU': 0}}, LOWER)
    with pytest.raises(ValueError, match='names no metric'):
        delta_per_task(RESULTS, {'seg': {}}, LOWER)
    assert math.isnan(delta_mt(RESULTS, {}, LOWER))
