"""MNIST and Fashion-MNIST read from the standard IDX gzip files."""
from __future__ import annotations

import gzip
import os.path as osp
import zlib
from typing import Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS
from mtlreg.utils.errors import DataError

_FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
          'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a numpy array (LeCun et al. 1998 format)."""
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f'cannot be read: truncated or not a gzip file ({err or type(err).__name__})', where=path,
                        expected='an MNIST-format IDX file, gzip-compressed', doc='docs/datasets/mnist.md') from err
    expected = 'an unsigned-byte IDX file (LeCun et al. 1998)'
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError('is not an unsigned-byte IDX file', where=path, expected=expected, doc='docs/datasets/mnist.md')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise DataError(f'header says shape {shape} but the file holds {array.size} values (truncated?)', where=path,
                        expected=expected, doc='docs/datasets/mnist.md')
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
        rotate: quarter turns clockwise applied to every image (0 to 3); the
            rotated copies of 4-MNISTs (Maziarz et al., Table I) use 1.
            Defaults to 0.
        exclude_class: drop the images of this class and number the other
            nine classes 0..8 in order (the task clusters of Maziarz et al.,
            Sec. V-C: task i classifies every digit but i). Defaults to None.
        pipeline: transforms.
    """

    #: None: building an example needs files on disk (tests/datasets covers it with real or fake files)
    example_args = None

    METAINFO = dict(classes=tuple(str(i) for i in range(10)))

    def __init__(self, data_root: str = 'data/mnist', split: str = 'train', label: str = 'class',
                 num_train: int = 55000, rotate: int = 0, exclude_class: int | None = None,
                 pipeline: Sequence = (), **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError(f'MNISTDataset: split must be "train", "val" or "test", got {split!r}')
        if rotate not in (0, 1, 2, 3):
            raise ValueError(f'MNISTDataset: rotate must be 0, 1, 2 or 3 quarter turns, got {rotate!r}')
        if exclude_class is not None and exclude_class not in range(10):
            raise ValueError(f'MNISTDataset: exclude_class must be a class 0..9 or None, got {exclude_class!r}')
        files = _FILES['test' if split == 'test' else 'train']
        missing = [f for f in files if not osp.isfile(osp.join(data_root, f))]
        if missing:
            raise FileNotFoundError(
                f'MNISTDataset: data_root {data_root!r} lacks {missing}; expected the standard IDX files '
                '(see docs/datasets/mnist.md for the layout and where to get them)')
        self.split, self.label, self.num_train = split, label, num_train
        self.rotate, self.exclude_class = rotate, exclude_class
        if exclude_class is not None:
            classes = [c for i, c in enumerate(self.METAINFO['classes']) if i != exclude_class]
            kwargs['metainfo'] = dict(classes=tuple(classes), **kwargs.get('metainfo', {}))
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
        if self.rotate:  # clockwise: np.rot90 turns counter-clockwise for positive k
            images = np.ascontiguousarray(np.rot90(images, k=-self.rotate, axes=(1, 2)))
        if self.exclude_class is not None:
            keep = labels != self.exclude_class
            images, labels = images[keep], labels[keep]
            labels = labels - (labels > self.exclude_class)
        return [{'img': img, self.label: int(lab), 'label_types': {self.label: 'class'}}
                for img, lab in zip(images, labels)]
