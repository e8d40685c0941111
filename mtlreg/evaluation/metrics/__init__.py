"""Per-task metrics; importing this package registers them in ``METRICS``."""
from .base_task_metric import BaseTaskMetric
from .boundary_metric import BoundaryMetric
from .classification_metric import ClassificationMetric
from .dense_regression_metric import DenseRegressionMetric
from .depth_metric import DepthMetric
from .regression_metric import RegressionMetric
from .saliency_metric import SaliencyMetric
from .segmentation_metric import SegmentationMetric
from .surface_normal_metric import SurfaceNormalMetric

__all__ = [
    'BaseTaskMetric', 'BoundaryMetric', 'ClassificationMetric', 'DenseRegressionMetric', 'DepthMetric',
    'RegressionMetric', 'SaliencyMetric', 'SegmentationMetric', 'SurfaceNormalMetric'
]
