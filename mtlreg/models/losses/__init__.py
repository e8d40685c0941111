from .balanced_bce import BalancedBCELoss
from .cross_entropy import CrossEntropyLoss
from .l2 import L2Loss
from .masked_l1 import MaskedL1Loss
from .normal_cosine import NormalCosineLoss

__all__ = ['BalancedBCELoss', 'CrossEntropyLoss', 'NormalCosineLoss', 'MaskedL1Loss', 'L2Loss']
