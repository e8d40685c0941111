"""Evaluation: per-task metrics, the multi-task evaluator and the Δ_T measure.

Importing this package registers the metrics in ``METRICS`` and the
evaluator in ``EVALUATOR``.
"""
from .delta import delta_mt, delta_per_task
from .metrics import (BaseTaskMetric, BoundaryMetric, ClassificationMetric, DenseRegressionMetric, DepthMetric,
                      SaliencyMetric, SegmentationMetric, SurfaceNormalMetric)
from .multitask_evaluator import MultiTaskEvaluator

__all__ = [
    'BaseTaskMetric', 'BoundaryMetric', 'ClassificationMetric', 'DenseRegressionMetric', 'DepthMetric',
    'SaliencyMetric', 'SegmentationMetric', 'SurfaceNormalMetric', 'MultiTaskEvaluator', 'delta_mt',
    'delta_per_task'
]
