from .aspp import ASPPHead, BinaryMapHead, DenseRegressionHead, SegmentationHead, SurfaceNormalHead
from .identity import IdentityHead
from .linear import LinearClassificationHead, LinearRegressionHead

__all__ = ['ASPPHead', 'SegmentationHead', 'DenseRegressionHead', 'BinaryMapHead', 'SurfaceNormalHead',
           'LinearClassificationHead', 'IdentityHead', 'LinearRegressionHead']
