"""MNIST and Fashion-MNIST read from the standard IDX gzip files."""
from __future__ import annotations

import gzip
import os
import os.path as osp
from typing import Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

_FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
          'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a numpy array (LeCun et al. 1998 format)."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f'{path!r} is not an unsigned-byte IDX file')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f'{path!r}: header says shape {shape} but holds {array.size} values')
    return array.reshape(shape)


@DATASETS.register_module()
class MNISTDataset(BaseDataset):
    """MNIST-format digits or clothes as a one-label classification dataset.

    Layout: ``data_root`` holds the four standard files
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``), as in
    ``data/mnist`` or ``data/fashion_mnist``. Splits: ``train`` (the first
    ``num_train`` of the 60k training images), ``val`` (the rest of them) and
    ``test`` (the 10k test images).

    Args:
        data_root: directory with the IDX files. Defaults to ``data/mnist``.
        split: ``train``, ``val`` or ``test``. Defaults to ``train``.
        label: key of the class label in a sample (the task's label). Defaults to ``class``.
        num_train: training images kept for ``train``. Defaults to 55000.
        pipeline: transforms.
    """

    METAINFO = dict(classes=tuple(str(i) for i in range(10)))

    def __init__(self, data_root: str = 'data/mnist', split: str = 'train', label: str = 'class',
                 num_train: int = 55000, pipeline: Sequence = (), **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError(f'MNISTDataset: split must be "train", "val" or "test", got {split!r}')
        files = _FILES['test' if split == 'test' else 'train']
        missing = [f for f in files if not osp.isfile(osp.join(data_root, f))]
        if missing:
            raise FileNotFoundError(
                f'MNISTDataset: data_root {data_root!r} lacks {missing}; expected the standard IDX files '
                '(see docs/datasets/mnist.md for the layout and where to get them)')
        self.split, self.label, self.num_train = split, label, num_train
        self._files = [osp.join(data_root, f) for f in files]
        super().__init__(data_root=data_root, pipeline=pipeline, serialize_data=False, **kwargs)

    def load_data_list(self) -> list[dict]:
        images, labels = (read_idx(f) for f in self._files)
        if len(images) != len(labels):
            raise ValueError(f'MNISTDataset: {len(images)} images but {len(labels)} labels in {self.data_root!r}')
        if self.split == 'train':
            images, labels = images[:self.num_train], labels[:self.num_train]
        elif self.split == 'val':
            images, labels = images[self.num_train:], labels[self.num_train:]
        return [{'img': img, self.label: int(lab), 'label_types': {self.label: 'class'}}
                for img, lab in zip(images, labels)]
