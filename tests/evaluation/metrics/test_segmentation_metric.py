import math

import pytest
import torch

from mtlreg.evaluation import SegmentationMetric

# 2x3 map: class 2 is predicted once but never in gt, one pixel is ignored,
# class 3 appears nowhere.
PRED = torch.tensor([[0, 1, 2], [1, 1, 0]])
GT = torch.tensor([[0, 1, 1], [1, 255, 0]])
# Valid pixels: 5. class 0: TP 2, union 2 -> 1; class 1: TP 2, pred 2, gt 3 -> 2/3;
# class 2: TP 0, union 1 -> 0. mIoU = (1 + 2/3 + 0) / 3; pixel_acc = 4/5.
MIOU = 100 * (1 + 2 / 3 + 0) / 3
ACC = 80.0


def sample(pred, gt, task='seg'):
    return {task: {'pred': pred, 'gt': gt}}


def test_calculate_hand_example():
    res = SegmentationMetric.calculate(PRED, GT, num_classes=4)
    assert res['mIoU'] == pytest.approx(MIOU)
    assert res['pixel_acc'] == pytest.approx(ACC)
    # Not the inflated variant that averages only classes with a true positive.
    assert res['mIoU'] != pytest.approx(100 * (1 + 2 / 3) / 2)


def test_stats_areas():
    areas = SegmentationMetric.compute_stats(PRED, GT, num_classes=4)['areas']
    assert areas.tolist() == [[2, 2, 0, 0], [2, 2, 1, 0], [2, 3, 0, 0]]


def test_process_and_prefix():
    metric = SegmentationMetric(task='seg', num_classes=4)
    metric.process(None, [sample(PRED, GT)])
    res = metric.evaluate(1)
    assert set(res) == {'seg/mIoU', 'seg/pixel_acc'}
    assert res['seg/mIoU'] == pytest.approx(MIOU)
    assert metric.lower_is_better == frozenset()


def test_dataset_level_accumulation_matches_single_call():
    preds = [PRED, torch.tensor([[3, 3, 0], [0, 0, 0]]), torch.tensor([[1, 0, 0], [2, 2, 2]])]
    gts = [GT, torch.tensor([[3, 0, 0], [255, 0, 0]]), torch.tensor([[1, 1, 0], [2, 0, 2]])]
    metric = SegmentationMetric(task='seg', num_classes=4)
    metric.process(None, [sample(preds[0], gts[0])])
    metric.process(None, [sample(p, g) for p, g in zip(preds[1:], gts[1:])])
    res = metric.evaluate(3)
    once = SegmentationMetric.calculate(torch.stack(preds), torch.stack(gts), num_classes=4)
    assert res['seg/mIoU'] == pytest.approx(once['mIoU'])
    assert res['seg/pixel_acc'] == pytest.approx(once['pixel_acc'])
    # Dataset-level, not the mean of per-image scores.
    per_image = [SegmentationMetric.calculate(p, g, 4)['mIoU'] for p, g in zip(preds, gts)]
    assert res['seg/mIoU'] != pytest.approx(sum(per_image) / 3)


def test_score_prediction_is_argmaxed():
    scores = torch.nn.functional.one_hot(PRED, 4).permute(2, 0, 1).float()
    res = SegmentationMetric.calculate(scores, GT, num_classes=4)
    assert res['mIoU'] == pytest.approx(MIOU)


def test_gt_with_channel_dim():
    res = SegmentationMetric.calculate(PRED, GT[None], num_classes=4)
    assert res['pixel_acc'] == pytest.approx(ACC)


def test_all_ignored_gives_nan():
    res = SegmentationMetric.calculate(PRED, torch.full_like(GT, 255), num_classes=4)
    assert math.isnan(res['mIoU']) and math.isnan(res['pixel_acc'])
    metric = SegmentationMetric(task='seg', num_classes=4)
    assert all(math.isnan(v) for v in metric.compute_metrics([]).values())


def test_custom_ignore_index():
    gt = GT.clone()
    gt[1, 1] = -1
    res = SegmentationMetric.calculate(PRED, gt, num_classes=4, ignore_index=-1)
    assert res['mIoU'] == pytest.approx(MIOU)


def test_label_out_of_range_raises():
    metric = SegmentationMetric(task='seg', num_classes=2)
    gt = GT.clone()
    gt[0, 0] = 2
    with pytest.raises(ValueError, match=r"task 'seg'.*Ground-truth labels must lie in \[0, 2\)"):
        metric.process(None, [sample(torch.zeros(2, 3, dtype=torch.long), gt)])
    with pytest.raises(ValueError, match='Predicted labels'):
        SegmentationMetric.calculate(PRED, torch.zeros(2, 3, dtype=torch.long), num_classes=2)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match='does not match'):
        SegmentationMetric.calculate(PRED, GT[:, :2], num_classes=4)


def test_missing_task_key_raises():
    metric = SegmentationMetric(task='seg', num_classes=4)
    metric.process(None, [{'depth': {'pred': PRED, 'gt': GT}}])  # another task's sample is skipped
    with pytest.raises(KeyError, match=r"task 'seg', but no sample carried it.*\['depth'\]"):
        metric.compute_metrics(metric.results)
    with pytest.raises(KeyError, match="no 'gt'"):
        metric.process(None, [{'seg': {'pred': PRED}}])
