from .base import BaseBalancer
from .dwa import DWABalancer
from .gradient_balancer import GradientBalancer
from .pcgrad import PCGradBalancer
from .static import StaticBalancer
from .uncertainty import UncertaintyBalancer

__all__ = ['BaseBalancer', 'DWABalancer', 'GradientBalancer', 'PCGradBalancer', 'StaticBalancer', 'UncertaintyBalancer']
