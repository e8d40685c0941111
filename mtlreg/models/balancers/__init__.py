from .base import BaseBalancer
from .dwa import DWABalancer
from .pcgrad import PCGradBalancer
from .static import StaticBalancer
from .uncertainty import UncertaintyBalancer

__all__ = ['BaseBalancer', 'DWABalancer', 'PCGradBalancer', 'StaticBalancer', 'UncertaintyBalancer']
