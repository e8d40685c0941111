"""The saliency max F-measure (β² = 0.3) and mIoU: counts summed over the dataset, ignored pixels, errors."""
import math

import pytest
import torch

from mtlreg.evaluation import SaliencyMetric


def test_max_f_by_hand():
    pred = torch.tensor([[0.9, 0.6, 0.2, 0.1]])
    gt = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    res = SaliencyMetric.calculate(pred, gt, thresholds=[0.5, 0.8], iou_thresholds=[0.5, 0.8])
    # t = 0.5: P = 1/2, R = 1/2 -> F = 1/2; t = 0.8: P = 1, R = 1/2 -> F = 1.3 * 0.5 / (0.3 + 0.5) = 0.8125
    assert res['maxF'] == pytest.approx(81.25)
    # IoU of p > t and the truth: t = 0.5: {0, 1} and {0, 2} -> 1/3; t = 0.8: {0} and {0, 2} -> 1/2
    assert res['mIoU'] == pytest.approx(50.0)


def test_miou_averages_the_jaccard_index_over_images_then_takes_the_best_threshold():
    metric = SaliencyMetric(task='sal', thresholds=[0.5], iou_thresholds=[0.3, 0.7])
    samples = [(torch.tensor([0.9, 0.5, 0.1]), torch.tensor([1.0, 0.0, 0.0])),   # t=0.3: 1/2, t=0.7: 1
               (torch.tensor([0.5, 0.5, 0.1]), torch.tensor([1.0, 1.0, 0.0])),   # t=0.3: 1,   t=0.7: 0
               (torch.tensor([0.1, 0.1, 0.1]), torch.tensor([0.0, 0.0, 0.0]))]   # nothing salient: 1 at both
    metric.process(None, [{'sal': {'pred': p, 'gt': g}} for p, g in samples])
    assert metric.evaluate(3)['sal/mIoU'] == pytest.approx(100 * max((0.5 + 1 + 1) / 3, (1 + 0 + 1) / 3))


def test_counts_are_summed_over_the_dataset_not_averaged_per_image():
    metric = SaliencyMetric(task='sal', thresholds=[0.5])
    # image 1: 1 TP of 1 predicted, 1 actual (F = 1); image 2: 1 TP, 4 predicted, 3 actual
    metric.process(None, [{'sal': {'pred': torch.tensor([[0.9, 0.1]]), 'gt': torch.tensor([[1.0, 0.0]])}},
                          {'sal': {'pred': torch.tensor([[0.9, 0.9, 0.9, 0.9, 0.1, 0.1]]),
                                   'gt': torch.tensor([[1.0, 0.0, 0.0, 0.0, 1.0, 1.0]])}}])
    p, r = 2 / 5, 2 / 4
    assert metric.evaluate(2)['sal/maxF'] == pytest.approx(100 * 1.3 * p * r / (0.3 * p + r))


def test_ignored_pixels_and_thresholds():
    pred = torch.tensor([0.9, 0.9, 0.1])
    gt = torch.tensor([1.0, 255.0, 0.0])
    assert SaliencyMetric.calculate(pred, gt, thresholds=[0.5]) == pytest.approx({'maxF': 100.0, 'mIoU': 100.0})
    metric = SaliencyMetric(task='sal')
    assert metric.thresholds[0] == pytest.approx(0.05) and metric.thresholds[-1] == pytest.approx(0.95)
    assert len(metric.thresholds) == 19 and metric.lower_is_better == frozenset()
    assert all(math.isnan(v) for v in SaliencyMetric.calculate(pred[1:2], gt[1:2]).values())
    with pytest.raises(ValueError, match='beta_squared'):
        SaliencyMetric(task='sal', beta_squared=0)
    with pytest.raises(ValueError, match='increasing'):
        SaliencyMetric(task='sal', thresholds=[0.5, 1.5])
