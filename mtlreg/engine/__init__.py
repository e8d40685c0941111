from .hooks import *  # noqa: F401,F403
from .arch_param_group_constructor import ArchitectureParamGroupConstructor
from .loops import MultiTaskIterBasedTrainLoop, MultiTaskValLoop
from .model_wrapper import MultiTaskDistributedDataParallel
from .multitask_log_processor import MultiTaskLogProcessor
from .optim_constructor import ArchitectureOptimWrapperConstructor
from .optim_wrappers import AutocastOptimWrapper
from .runner import MultiTaskRunner
from .staged_train_loop import StagedTrainLoop

__all__ = ['ArchitectureOptimWrapperConstructor', 'ArchitectureParamGroupConstructor', 'AutocastOptimWrapper',
           'StagedTrainLoop',
           'MultiTaskIterBasedTrainLoop', 'MultiTaskValLoop', 'MultiTaskLogProcessor', 'MultiTaskDistributedDataParallel',
           'MultiTaskRunner']
