from .base import BasePolicy
from .adashare import AdaSharePolicy
from .fixed import FixedMaskPolicy, SharedBottomPolicy

__all__ = ['AdaSharePolicy', 'BasePolicy', 'SharedBottomPolicy', 'FixedMaskPolicy']
