from .base import BasePolicy
from .fixed import FixedMaskPolicy, SharedBottomPolicy

__all__ = ['BasePolicy', 'SharedBottomPolicy', 'FixedMaskPolicy']
