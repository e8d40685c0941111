from .hooks import *  # noqa: F401,F403
from .loops import MultiTaskIterBasedTrainLoop, MultiTaskValLoop
from .model_wrapper import MultiTaskDistributedDataParallel
from .optim_wrappers import AutocastOptimWrapper
from .runner import MultiTaskRunner

__all__ = ['AutocastOptimWrapper', 'MultiTaskIterBasedTrainLoop', 'MultiTaskValLoop', 'MultiTaskDistributedDataParallel',
           'MultiTaskRunner']
