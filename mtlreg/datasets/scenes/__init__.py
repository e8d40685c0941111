"""Procedural indoor scenes: an RGB image with five dense labels per index, rendered on the fly."""
from .layout import CLASSES, PALETTE, Camera, Part, Scene, sample_scene
from .renderer import RENDERER_VERSION, SceneRenderer
from .splits import DEFAULT_SPLIT_SIZES, SPLITS, split_range

#: Label key -> label type, in the raw-sample convention of the datasets.
LABEL_TYPES = {'seg': 'segmentation', 'depth': 'depth', 'normal': 'normal', 'edge': 'dense', 'keypoint': 'dense'}

__all__ = ['CLASSES', 'Camera', 'DEFAULT_SPLIT_SIZES', 'LABEL_TYPES', 'PALETTE', 'Part', 'RENDERER_VERSION', 'SPLITS',
           'Scene', 'SceneRenderer', 'sample_scene', 'split_range']
