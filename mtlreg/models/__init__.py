from .backbones import *  # noqa: F401,F403
from .balancers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .multitask_model import MultiTaskModel
from .policies import *  # noqa: F401,F403

__all__ = ['MultiTaskModel']
