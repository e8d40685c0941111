"""Example mtlreg plugin: importing it registers its modules."""
from .berhu_loss import BerHuLoss
from .geometric_balancer import GeometricMeanBalancer
from .light_head import LightDenseHead

__all__ = ['BerHuLoss', 'GeometricMeanBalancer', 'LightDenseHead']
