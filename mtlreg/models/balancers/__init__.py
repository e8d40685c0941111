from .base import BaseBalancer
from .static import StaticBalancer

__all__ = ['BaseBalancer', 'StaticBalancer']
