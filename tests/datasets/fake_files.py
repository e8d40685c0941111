"""Tiny fake files for the dataset loaders: 8×8 images and labels, the MTAN tree, a flip-and-crop pipeline."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from mtlreg.datasets.transforms import Albumentations, PackMultiTaskInputs  # noqa: E402

H, W = 8, 8


def _fast(cls):
    """Builds the dataset without serialising its data list (MMEngine's serialisation runs a slow gc.collect)."""
    return lambda *args, **kwargs: cls(*args, serialize_data=False, **kwargs)


def _png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def _npy(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)


def _rgb(seed):
    return np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)


def _pipeline(crop=(4, 6)):
    return [Albumentations(transforms=[dict(type='HorizontalFlip', p=1.0),
                                       dict(type='RandomCrop', height=crop[0], width=crop[1])]),
            PackMultiTaskInputs()]


def make_mtan(root, n=(2, 1), normal=True, depth_channel=True):
    rng = np.random.default_rng(0)
    for split, count in zip(('train', 'val'), n):
        for i in range(count):
            label = np.full((H, W), 4.0, np.float32)
            label[0, :3] = [-1.0, 0.0, 12.0]
            depth = np.full((H, W, 1) if depth_channel else (H, W), 1.5, np.float32)
            depth[0, 0] = 0.0
            _npy(os.path.join(root, split, 'image', f'{i}.npy'), rng.random((H, W, 3)).astype(np.float32))
            _npy(os.path.join(root, split, 'label', f'{i}.npy'), label)
            _npy(os.path.join(root, split, 'depth', f'{i}.npy'), depth)
            if normal:
                nrm = np.zeros((H, W, 3), np.float32)
                nrm[..., 2] = -1.0
                nrm[1, 1] = [0.6, 0.0, -0.8]
                _npy(os.path.join(root, split, 'normal', f'{i}.npy'), nrm)
