from .base import POLICY_MODES, BasePolicy
from .adashare import AdaSharePolicy
from .fixed import FixedMaskPolicy, SharedBottomPolicy
from .gumbel_matrix import GumbelMatrixPolicy
from .dag import DAGPolicy
from .learn_to_branch import LearnToBranchPolicy

__all__ = ['AdaSharePolicy', 'BasePolicy', 'DAGPolicy', 'GumbelMatrixPolicy', 'POLICY_MODES', 'SharedBottomPolicy',
           'FixedMaskPolicy', 'LearnToBranchPolicy']
