from .aspp import ASPPHead, DenseRegressionHead, SegmentationHead, SurfaceNormalHead
from .linear import LinearClassificationHead

__all__ = ['ASPPHead', 'SegmentationHead', 'DenseRegressionHead', 'SurfaceNormalHead',
           'LinearClassificationHead']
