"""Classification accuracy over batches, from class scores too, and NaN without a sample."""
import math

import pytest
import torch

from mtlreg.evaluation import ClassificationMetric


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
