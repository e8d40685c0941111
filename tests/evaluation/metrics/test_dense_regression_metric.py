"""The dense regression metric: the mean absolute error over every pixel, accumulated over batches."""
import pytest
import torch

from mtlreg.evaluation import DenseRegressionMetric


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
