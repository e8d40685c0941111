"""Cityscapes for multi-task learning in two released npy layouts: AdaShare's (JSON index) and LibMTL's."""
from __future__ import annotations

import os.path as osp
from typing import Optional, Sequence

from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

from .dataset_layout import (IGNORE_INDEX, ReleasedDatasetMixin, check_entry, check_tasks, load_split_json,
                             require_dir, require_file, resolve_root, select_npy_split, select_split)

#: Label key -> label kind.
CITYSCAPES_LABEL_TYPES = {'seg': 'segmentation', 'depth': 'depth'}

#: The 19 evaluation classes (Cityscapes train ids 0..18).
CITYSCAPES_19_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign',
                         'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
                         'motorcycle', 'bicycle')

#: The 7 classes: the Cityscapes categories without 'void', in category-id order.
CITYSCAPES_7_CLASSES = ('flat', 'construction', 'object', 'nature', 'sky', 'human', 'vehicle')

CITYSCAPES_CLASSES = {7: CITYSCAPES_7_CLASSES, 19: CITYSCAPES_19_CLASSES}

CITYSCAPES_LAYOUTS = ('adashare', 'libmtl')

#: Fields of an entry of ``cityscape.json``, in order.
ADASHARE_FIELDS = ('image', 'depth', 'label_2', 'label_7', 'label_19')

#: Position of the label file of each class granularity in an entry.
_LABEL_FIELD = {7: 3, 19: 4}

ADASHARE_LAYOUT = """\
  data/cityscapes/             (layout='adashare')
    cityscape.json             {"train": [[image, depth, label_2, label_7, label_19], ...], "test": ...}
    <paths listed in the JSON, relative to the root, all .npy, 256x512>:
      image                    HxWx3 float RGB in [0, 1]
      depth                    HxW or HxWx1 float (inverse) depth, 0 = invalid
      label_2/label_7/label_19 HxW class ids, -1 = ignore"""

LIBMTL_LAYOUT = """\
  data/cityscapes/             (layout='libmtl')
    train/image/<i>.npy        HxWx3 float RGB in [0, 1], 128x256
    train/label/<i>.npy        HxW classes 0..6, -1 = ignore
    train/depth/<i>.npy        HxW or HxWx1 float (inverse) depth, 0 = invalid
    val/...                    same three folders ('test' reads val)"""

#: Folder of each key in the LibMTL layout.
LIBMTL_DIRS = {'img': 'image', 'seg': 'label', 'depth': 'depth'}


@DATASETS.register_module()
class CityscapesDataset(ReleasedDatasetMixin, BaseDataset):
    """Cityscapes street scenes with semantic classes and depth, as preprocessed for multi-task learning.

    Two released layouts (``layout``):

    * ``'adashare'``: ``cityscape.json`` maps each split to entries of five
      ``.npy`` paths relative to the root, in the order image, depth, 2-class
      labels, 7-class labels, 19-class labels (see :data:`ADASHARE_LAYOUT`);
      256x512. ``num_classes`` (7 or 19) picks the label file; only that one
      is read. Splits are the keys of the JSON.
    * ``'libmtl'``: ``{train,val}/{image,label,depth}/<i>.npy`` (the 128x256
      MTAN/LibMTL set), 7 classes only. Splits 'train' and 'val'; 'test'
      reads 'val'.

    Decoding (a fetched item, before the pipeline):

    * ``img``: uint8 HxWx3 RGB = stored [0, 1] float x 255, rounded
      (``img_to_uint8=False`` keeps float32 in [0, 1]; then put
      ``NormalizeImage`` before ``PackMultiTaskInputs``).
    * ``seg``: int64 HxW class ids; -1 (and any value outside the classes) -> 255.
    * ``depth``: float32 HxW as stored, 0 = invalid. In these releases the
      depth channel is inverse depth (disparity-derived), not metres.

    Args:
        root: Dataset root. Defaults to ``data/cityscapes``.
        split: A split of the layout (see above).
        layout: ``'adashare'`` (default) or ``'libmtl'``.
        num_classes: 7 or 19 (default 19 for 'adashare'; 'libmtl' has 7 only).
        tasks: Label keys to keep among 'seg', 'depth'; None keeps both.
            Only the files of kept labels are read.
        img_to_uint8: Return the images as uint8.
        pipeline: Transforms applied to each sample.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset``; ``data_root``
            is accepted as another name of ``root``.

    Raises:
        FileNotFoundError: If the root or the split file/folder is missing (at
            construction) or a listed file is missing (when fetched).
        ValueError: On an unknown layout, split, task or class count, or a file
            whose shape or dtype does not fit (when fetched).
    """

    #: None: building an example needs files on disk (tests/datasets covers it with real or fake files)
    example_args = None

    METAINFO = dict(classes=CITYSCAPES_19_CLASSES, ignore_index=IGNORE_INDEX, tasks=tuple(CITYSCAPES_LABEL_TYPES),
                    label_types=dict(CITYSCAPES_LABEL_TYPES))

    def __init__(self,
                 root: str = 'data/cityscapes',
                 split: str = 'train',
                 layout: str = 'adashare',
                 num_classes: Optional[int] = None,
                 tasks: Optional[Sequence[str]] = None,
                 img_to_uint8: bool = True,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        name = 'CityscapesDataset'
        if layout not in CITYSCAPES_LAYOUTS:
            raise ValueError(f'{name}: unknown layout {layout!r}; expected one of {list(CITYSCAPES_LAYOUTS)}')
        if num_classes is None:
            num_classes = 19 if layout == 'adashare' else 7
        allowed = (7, 19) if layout == 'adashare' else (7,)
        if num_classes not in allowed:
            raise ValueError(f'{name}: num_classes={num_classes!r} is not available in the {layout!r} layout; '
                             f'expected one of {list(allowed)}')
        root = resolve_root(root, kwargs, 'data/cityscapes', name)
        text = ADASHARE_LAYOUT if layout == 'adashare' else LIBMTL_LAYOUT
        require_dir(root, name, text)
        self.root, self.split, self.layout, self.num_classes = root, split, layout, num_classes
        self.tasks = check_tasks(tasks, tuple(CITYSCAPES_LABEL_TYPES), name)
        self.label_types = {t: CITYSCAPES_LABEL_TYPES[t] for t in self.tasks}
        self.img_to_uint8 = bool(img_to_uint8)
        if layout == 'adashare':
            index = osp.join(root, 'cityscape.json')
            require_file(index, name, text, what='split file')
            entries = select_split(load_split_json(index, name), split, name, index)
            self.samples = []
            for i, entry in enumerate(entries):
                entry = check_entry(entry, 5, ADASHARE_FIELDS, name, f'split {split!r} of {index!r}', i)
                self.samples.append({'img': entry[0], 'depth': entry[1], 'seg': entry[_LABEL_FIELD[num_classes]]})
        else:
            folder = 'val' if split == 'test' else split
            indices = select_npy_split(root, split, folder, LIBMTL_DIRS['img'], name, text)
            self.samples = [{k: osp.join(folder, d, f'{i}.npy') for k, d in LIBMTL_DIRS.items()} for i in indices]
        metainfo = dict(classes=CITYSCAPES_CLASSES[num_classes], tasks=self.tasks, label_types=dict(self.label_types),
                        layout=layout, **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', data_root=root, metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    def load_sample(self, files: dict, sample: str) -> dict:
        """Reads and decodes the image and the kept labels of one sample."""
        return self.load_npy_image_seg_depth(files, sample)


__all__ = ['CITYSCAPES_19_CLASSES', 'CITYSCAPES_7_CLASSES', 'CITYSCAPES_LABEL_TYPES', 'CityscapesDataset']
