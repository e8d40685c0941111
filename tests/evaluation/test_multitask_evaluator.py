import pytest
import torch
from mmengine.registry import DefaultScope

from mtlreg.evaluation import DenseRegressionMetric, MultiTaskEvaluator
from mtlreg.registry import EVALUATOR

SEG_PRED = torch.tensor([[0, 1, 2], [1, 1, 0]])
SEG_GT = torch.tensor([[0, 1, 1], [1, 255, 0]])  # mIoU 500/9, pixel_acc 80
DEPTH_PRED = torch.tensor([[[1.0, 2.0, 5.0, 3.0]]])
DEPTH_GT = torch.tensor([[[1.0, 4.0, 4.0, 0.0]]])  # abs_err 1, delta1 100/3

TASKS = dict(
    seg=dict(head=dict(type='SomeHead'), loss=dict(type='SomeLoss'), weight=1.0,
             metric=dict(type='SegmentationMetric', num_classes=4)),
    depth=dict(head=dict(type='SomeHead'), metric=dict(type='DepthMetric')),
    aux=dict(head=dict(type='SomeHead'), metric=None),
)
REFERENCE = dict(seg=dict(mIoU=50.0), depth=dict(abs_err=0.8, delta1=40.0))


def build(**kwargs):
    with DefaultScope.overwrite_default_scope('mtlreg'):
        return EVALUATOR.build(dict(type='MultiTaskEvaluator', **kwargs))


def samples():
    return [{'seg': {'pred': SEG_PRED, 'gt': SEG_GT},
             'depth': {'pred': DEPTH_PRED, 'gt': DEPTH_GT},
             'aux': {'pred': torch.zeros(1), 'gt': torch.zeros(1)}}]


def test_build_from_tasks_and_delta():
    evaluator = build(tasks=TASKS, single_task_reference=REFERENCE)
    assert isinstance(evaluator, MultiTaskEvaluator)
    assert [m.task for m in evaluator.metrics] == ['seg', 'depth']
    evaluator.process(data_samples=samples())
    res = evaluator.evaluate(1)
    assert res['seg/mIoU'] == pytest.approx(500 / 9)
    assert res['depth/abs_err'] == pytest.approx(1.0)
    # seg: 100 * (500/9 - 50) / 50 = 100/9
    # depth: 100/2 * (-(1 - 0.8)/0.8 + (100/3 - 40)/40) = 50 * (-1/4 - 1/6) = -125/6
    assert res['delta/seg'] == pytest.approx(100 / 9)
    assert res['delta/depth'] == pytest.approx(-125 / 6)
    assert res['delta/mean'] == pytest.approx((100 / 9 - 125 / 6) / 2)
    assert not any(k.startswith('aux') for k in res)
    assert 'depth/abs_err' in evaluator.lower_is_better_keys
    assert 'seg/mIoU' not in evaluator.lower_is_better_keys


def test_tasks_config_not_modified_and_no_reference():
    evaluator = build(tasks=TASKS)
    assert 'task' not in TASKS['seg']['metric']
    evaluator.process(data_samples=samples())
    res = evaluator.evaluate(1)
    assert not any(k.startswith('delta/') for k in res)


def test_explicit_metrics_with_unknown_task_name_and_custom_prefix():
    evaluator = build(
        metrics=[dict(type='DenseRegressionMetric', task='keypoint_2d'),
                 DenseRegressionMetric(task='edge', prefix='edges')],
        tasks=dict(seg=dict(metric=dict(type='SegmentationMetric', num_classes=4))),
        single_task_reference=dict(edge=dict(mae=0.5)))
    evaluator.process(data_samples=[{
        'keypoint_2d': {'pred': torch.ones(1, 2, 2), 'gt': torch.zeros(1, 2, 2)},
        'edge': {'pred': torch.full((1, 2, 2), 0.25), 'gt': torch.zeros(1, 2, 2)},
        'seg': {'pred': SEG_PRED, 'gt': SEG_GT},
    }])
    res = evaluator.evaluate(1)
    assert res['keypoint_2d/mae'] == pytest.approx(1.0)
    assert res['edges/mae'] == pytest.approx(0.25)
    assert res['delta/edge'] == pytest.approx(50.0)  # lower is better: -(0.25 - 0.5)/0.5
    assert res['delta/mean'] == pytest.approx(50.0)


def test_metric_list_per_task():
    evaluator = build(tasks=dict(d=dict(metric=[dict(type='DepthMetric'),
                                                dict(type='DenseRegressionMetric')])))
    evaluator.process(data_samples=[{'d': {'pred': DEPTH_PRED, 'gt': DEPTH_GT}}])
    res = evaluator.evaluate(1)
    assert res['d/abs_err'] == pytest.approx(1.0) and res['d/mae'] == pytest.approx(1.5)


def test_task_no_sample_carries_raises():
    # per-task batches: a sample without a task is skipped, but a task that no sample carried is named
    evaluator = build(tasks=TASKS)
    evaluator.process(data_samples=[{'seg': {'pred': SEG_PRED, 'gt': SEG_GT}}])
    with pytest.raises(KeyError, match=r"task 'depth', but no sample carried it.*\['seg'\]"):
        evaluator.evaluate(1)


def test_reference_errors_at_construction():
    with pytest.raises(KeyError, match=r"metric 'rmse_log' for task 'depth'.*'abs_err'"):
        build(tasks=TASKS, single_task_reference=dict(depth=dict(rmse_log=0.2)))
    with pytest.raises(KeyError, match=r"task 'normal'.*\['depth', 'seg'\]"):
        build(tasks=TASKS, single_task_reference=dict(normal=dict(mean_angle=20.0)))
    with pytest.raises(ValueError, match='non-zero number'):
        build(tasks=TASKS, single_task_reference=dict(seg=dict(mIoU=0.0)))


def test_task_metric_naming_other_task_raises():
    with pytest.raises(ValueError, match="names task 'depth'"):
        build(tasks=dict(seg=dict(metric=dict(type='DepthMetric', task='depth'))))


def test_task_without_metric_entry_warns(monkeypatch):
    import mtlreg.evaluation.multitask_evaluator as module
    messages = []
    monkeypatch.setattr(module, 'print_log', lambda msg, **kwargs: messages.append(msg))
    evaluator = build(tasks=dict(seg=dict(head=dict(type='SomeHead')), aux=dict(metric=None)))
    assert evaluator.metrics == []
    assert len(messages) == 1 and "'seg'" in messages[0]


def test_average_metrics_over_tasks():
    tasks = dict(a=dict(metric=dict(type='ClassificationMetric')), b=dict(metric=dict(type='ClassificationMetric')))
    evaluator = build(tasks=tasks, average_metrics=['accuracy'])
    # task a: 2 of 2 right (100 %); task b: 1 of 4 right (25 %): the mean is over tasks, not samples
    evaluator.process(data_samples=[{'a': {'pred': torch.tensor(1), 'gt': torch.tensor(1)}}] * 2
                      + [{'b': {'pred': torch.tensor(0), 'gt': torch.tensor(g)}} for g in (0, 1, 2, 3)])
    res = evaluator.evaluate(6)
    assert res['a/accuracy'] == pytest.approx(100.0) and res['b/accuracy'] == pytest.approx(25.0)
    assert res['mean/accuracy'] == pytest.approx(62.5)
    bad = build(tasks=tasks, average_metrics=['mIoU'])
    bad.process(data_samples=[{'a': {'pred': torch.tensor(1), 'gt': torch.tensor(1)}},
                              {'b': {'pred': torch.tensor(1), 'gt': torch.tensor(1)}}])
    with pytest.raises(KeyError, match="no task reports 'mIoU'"):
        bad.evaluate(2)
    with pytest.raises(TypeError, match='list of metric names'):
        build(tasks=tasks, average_metrics='accuracy')


def test_boundary_and_saliency_scores_enter_delta_as_higher_is_better():
    tasks = dict(sal=dict(head=dict(type='SomeHead'), metric=dict(type='SaliencyMetric', thresholds=[0.5],
                                                                  iou_thresholds=[0.5])),
                 edge=dict(head=dict(type='SomeHead'), metric=dict(type='BoundaryMetric', thresholds=[0.5])))
    evaluator = build(tasks=tasks, single_task_reference=dict(sal=dict(maxF=50.0), edge=dict(odsF=80.0)))
    gt = torch.zeros(1, 20, 20)
    gt[0, 10] = 1.0
    pred = gt * 0.9  # every boundary and salient pixel found, nothing else: both scores 100
    evaluator.process(data_samples=[{'sal': {'pred': pred, 'gt': gt}, 'edge': {'pred': pred, 'gt': gt}}])
    res = evaluator.evaluate(1)
    # the boundary matcher leaves a pixel unmatched in about 2 % of calls (see test_boundary_metric.py)
    assert res['sal/maxF'] == pytest.approx(100.0) and res['edge/odsF'] == pytest.approx(100.0, abs=5.0)
    assert res['delta/sal'] == pytest.approx(100.0)
    assert res['delta/edge'] == pytest.approx(100 * (res['edge/odsF'] - 80.0) / 80.0) and res['delta/edge'] > 18
    assert res['delta/mean'] == pytest.approx((res['delta/sal'] + res['delta/edge']) / 2)
