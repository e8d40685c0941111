from .base import POLICY_MODES, BasePolicy
from .adashare import AdaSharePolicy
from .fixed import FixedMaskPolicy, SharedBottomPolicy
from .gumbel_matrix import GumbelMatrixPolicy
from .dag import DAGPolicy
from .policy_file import load_policy_mask, save_policy

__all__ = ['AdaSharePolicy', 'BasePolicy', 'DAGPolicy', 'GumbelMatrixPolicy', 'POLICY_MODES', 'SharedBottomPolicy',
           'FixedMaskPolicy', 'load_policy_mask', 'save_policy']
