import doctest
import math

import pytest
import torch

import mtlreg.evaluation.delta
import mtlreg.evaluation.metrics.base_task_metric
import mtlreg.evaluation.metrics.classification_metric
import mtlreg.evaluation.metrics.dense_regression_metric
import mtlreg.evaluation.metrics.depth_metric
import mtlreg.evaluation.metrics.segmentation_metric
import mtlreg.evaluation.metrics.surface_normal_metric
from mtlreg.evaluation import ClassificationMetric, DenseRegressionMetric


def test_dense_regression_mae_over_all_pixels():
    pred = torch.tensor([[[0.0, 0.5], [1.0, 0.25]]])
    gt = torch.tensor([[[0.0, 1.0], [0.5, 0.0]]])
    assert DenseRegressionMetric.calculate(pred, gt) == pytest.approx({'mae': 1.25 / 4})
    assert DenseRegressionMetric.lower_is_better == {'mae'}


def test_dense_regression_accumulation():
    metric = DenseRegressionMetric(task='edge')
    # 4 pixels with total error 1, then 2 pixels with total error 2 -> 3 / 6
    metric.process(None, [{'edge': {'pred': torch.full((1, 2, 2), 0.25), 'gt': torch.zeros(1, 2, 2)}}])
    metric.process(None, [{'edge': {'pred': torch.ones(1, 1, 2), 'gt': torch.zeros(1, 1, 2)}}])
    assert metric.evaluate(2) == pytest.approx({'edge/mae': 0.5})


def test_classification_accuracy():
    metric = ClassificationMetric(task='class')
    preds, gts = [0, 2, 1, 1, 3], [0, 1, 1, 1, 2]
    metric.process(None, [{'class': {'pred': torch.tensor(p), 'gt': torch.tensor(g)}}
                          for p, g in zip(preds[:2], gts[:2])])
    metric.process(None, [{'class': {'pred': torch.tensor(p), 'gt': torch.tensor(g)}}
                          for p, g in zip(preds[2:], gts[2:])])
    assert metric.evaluate(5) == pytest.approx({'class/accuracy': 60.0})
    assert ClassificationMetric.lower_is_better == frozenset()


def test_classification_scores_and_empty():
    assert ClassificationMetric.calculate(torch.tensor([0.2, 0.7, 0.1]), torch.tensor(1)) == {'accuracy': 100.0}
    assert math.isnan(ClassificationMetric(task='c').compute_metrics([])['accuracy'])


def test_task_name_required():
    with pytest.raises(ValueError, match='task name'):
        DenseRegressionMetric(task='')


@pytest.mark.parametrize('module', [
    mtlreg.evaluation.delta,
    mtlreg.evaluation.metrics.base_task_metric,
    mtlreg.evaluation.metrics.classification_metric,
    mtlreg.evaluation.metrics.dense_regression_metric,
    mtlreg.evaluation.metrics.depth_metric,
    mtlreg.evaluation.metrics.segmentation_metric,
    mtlreg.evaluation.metrics.surface_normal_metric,
])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
