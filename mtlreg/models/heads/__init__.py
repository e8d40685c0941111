from .aspp import ASPPHead, DenseRegressionHead, SegmentationHead, SurfaceNormalHead
from .identity import IdentityHead
from .linear import LinearClassificationHead, LinearRegressionHead

__all__ = ['ASPPHead', 'SegmentationHead', 'DenseRegressionHead', 'SurfaceNormalHead',
           'LinearClassificationHead', 'IdentityHead', 'LinearRegressionHead']
