"""Data transforms of mtlreg: joint augmentation, normalisation and packing."""
from .albumentations_wrapper import Albumentations, build_albu_transform
from .formatting import NormalizeImage, PackMultiTaskInputs, pack_label

__all__ = ['Albumentations', 'NormalizeImage', 'PackMultiTaskInputs', 'build_albu_transform', 'pack_label']
