"""A task metric needs a task name; the docstring examples of the metric modules and of Δ run as written."""
import doctest

import pytest

import mtlreg.evaluation.delta
import mtlreg.evaluation.metrics.base_task_metric
import mtlreg.evaluation.metrics.classification_metric
import mtlreg.evaluation.metrics.dense_regression_metric
import mtlreg.evaluation.metrics.depth_metric
import mtlreg.evaluation.metrics.saliency_metric
import mtlreg.evaluation.metrics.segmentation_metric
import mtlreg.evaluation.metrics.surface_normal_metric
from mtlreg.evaluation import DenseRegressionMetric


def test_task_name_required():
    with pytest.raises(ValueError, match='task name'):
        DenseRegressionMetric(task='')


@pytest.mark.parametrize('module', [
    mtlreg.evaluation.delta,
    mtlreg.evaluation.metrics.base_task_metric,
    mtlreg.evaluation.metrics.classification_metric,
    mtlreg.evaluation.metrics.dense_regression_metric,
    mtlreg.evaluation.metrics.depth_metric,
    mtlreg.evaluation.metrics.saliency_metric,
    mtlreg.evaluation.metrics.segmentation_metric,
    mtlreg.evaluation.metrics.surface_normal_metric,
])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
