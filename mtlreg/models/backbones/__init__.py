from .base import GatedBackbone
from .resnet import DilatedResNet, gated_residual_block
from .vgg import VGG16BN

__all__ = ['GatedBackbone', 'DilatedResNet', 'VGG16BN', 'gated_residual_block']
