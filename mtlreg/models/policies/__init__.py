from .base import POLICY_MODES, BasePolicy
from .adashare import AdaSharePolicy
from .fixed import FixedMaskPolicy, SharedBottomPolicy
from .gumbel_matrix import GumbelMatrixPolicy
from .policy_file import load_policy_mask, save_policy

__all__ = ['AdaSharePolicy', 'BasePolicy', 'GumbelMatrixPolicy', 'POLICY_MODES', 'SharedBottomPolicy', 'FixedMaskPolicy',
           'load_policy_mask', 'save_policy']
