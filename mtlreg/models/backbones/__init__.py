from .base import GatedBackbone
from .resnet import DilatedResNet, gated_residual_block
from .vgg import VGG16BN
from .modular import ModularNetwork
from .task_conditioned import TaskConditionedBackbone
from .mtan import MTANResNet
from .cross_stitch import CrossStitchResNet
from .per_task import PerTaskBackbone
from .dag import DAGNetwork
from .mmoe import MMoEBackbone
from .cgc import CGCBackbone
from .ple import PLEBackbone
from .dselect_k import DSelectKBackbone
from .branching import BranchingBackbone

__all__ = ['GatedBackbone', 'DilatedResNet', 'ModularNetwork', 'VGG16BN', 'gated_residual_block',
           'TaskConditionedBackbone', 'MTANResNet', 'CrossStitchResNet', 'PerTaskBackbone', 'DAGNetwork',
           'MMoEBackbone', 'CGCBackbone', 'PLEBackbone', 'DSelectKBackbone', 'BranchingBackbone']
