"""Per-task metrics; importing this package registers them in ``METRICS``."""
from .base_task_metric import BaseTaskMetric
from .classification_metric import ClassificationMetric
from .dense_regression_metric import DenseRegressionMetric
from .depth_metric import DepthMetric
from .regression_metric import RegressionMetric
from .segmentation_metric import SegmentationMetric
from .surface_normal_metric import SurfaceNormalMetric

__all__ = [
    'BaseTaskMetric', 'ClassificationMetric', 'DenseRegressionMetric', 'DepthMetric', 'RegressionMetric',
    'SegmentationMetric', 'SurfaceNormalMetric'
]
