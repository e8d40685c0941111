"""NYUv2 in four released layouts: AdaShare's 40-class PNG/npy set, MTAN's 13-class npy set and the
NYUD-v2 multi-task release (40 classes with boundaries) in its two file formats."""
from __future__ import annotations

import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

from .dataset_layout import (IGNORE_INDEX, ReleasedDatasetMixin, as_hw, check_entry, check_same_size, check_tasks,
                             class_map, depth_npy, load_npy, load_split_json, normal_from_uint8, normal_map,
                             read_id_list, read_png, require_dir, require_file, resolve_root, select_npy_split,
                             select_split)

#: Label key -> label kind (AdaShare and MTAN layouts).
NYUV2_LABEL_TYPES = {'seg': 'segmentation', 'depth': 'depth', 'normal': 'normal'}
#: Label key -> label kind of the multi-task release (NYUD-v2 with boundaries).
NYUD_MT_LABEL_TYPES = {'seg': 'segmentation', 'depth': 'depth', 'normal': 'normal', 'edge': 'dense'}

#: The 40 classes of the AdaShare release (class id = stored value), in the usual NYUv2-40 order.
NYUV2_40_CLASSES = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window', 'bookshelf', 'picture',
    'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser', 'pillow', 'mirror', 'floor mat', 'clothes',
    'ceiling', 'books', 'refrigerator', 'television', 'paper', 'towel', 'shower curtain', 'box', 'whiteboard',
    'person', 'night stand', 'toilet', 'sink', 'lamp', 'bathtub', 'bag', 'otherstructure', 'otherfurniture',
    'otherprop')

#: The 13 classes of the MTAN release (class id = stored value).
NYUV2_13_CLASSES = ('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture', 'objects', 'picture', 'sofa', 'table',
                    'tv', 'wall', 'window')

NYUV2_LAYOUTS = ('adashare', 'mtan', 'nyud_mt', 'nyud_mt_png')

ADASHARE_LAYOUT = """\
  data/nyuv2/                  (layout='adashare')
    nyu_v2_3task.json          {"train": [[img, seg, normal, depth], ...], "train1", "train2", "test"}
    img/0061.png               RGB, 480x640
    seg/0061.png               class ids 0..39, 255 = ignore
    normal_mask/0061.png       RGB normals, value / 255 * 2 - 1, (0, 0, 0) = invalid
    depth/0061.npy             float depth in metres, 0 = invalid"""

MTAN_LAYOUT = """\
  data/nyuv2/                  (layout='mtan')
    train/image/<i>.npy        HxWx3 float RGB in [0, 1], 288x384
    train/label/<i>.npy        HxW float classes 0..12, -1 = ignore
    train/depth/<i>.npy        HxW or HxWx1 float metres, 0 = invalid
    train/normal/<i>.npy       HxWx3 float in [-1, 1]
    val/...                    same four folders ('test' reads val)"""

NYUD_MT_LAYOUT = """\
  data/nyud/                   (layout='nyud_mt': NYUD_MT as MTI-Net and InvPT read it)
    gt_sets/train.txt          one image id per line (795 images); gt_sets/val.txt (654; 'test' reads val)
    images/<id>.jpg            RGB image
    segmentation/<id>.png      0 = unlabelled (-> 255), 1..40 = classes 0..39
    depth/<id>.npy             HxW float depth in metres, 0 = invalid
    normals/<id>.npy           HxWx3 float normals in [-1, 1], zero vector = invalid
    edge/<id>.npy              HxW boundaries, >= 0.5 = boundary"""

NYUD_MT_PNG_LAYOUT = """\
  data/nyud/                   (layout='nyud_mt_png': NYUDv2 as ATRC and TaskPrompter read it)
    gt_sets/train.txt, gt_sets/val.txt   as in layout='nyud_mt'
    images/<id>.png            RGB image
    segmentation/<id>.png      0 = unlabelled (-> 255), 1..40 = classes 0..39
    depth/<id>.npy             HxW float depth in metres, 0 = invalid
    normals/<id>.png           RGB normals, value / 255 * 2 - 1
    edge/<id>.png              boundaries, value / 255 >= 0.5 = boundary"""

#: Folder of each key in the MTAN layout.
MTAN_DIRS = {'img': 'image', 'seg': 'label', 'depth': 'depth', 'normal': 'normal'}
#: Folder and extension of each key in the two NYUD-v2 multi-task layouts.
NYUD_MT_FILES = {
    'nyud_mt': {'img': ('images', 'jpg'), 'seg': ('segmentation', 'png'), 'depth': ('depth', 'npy'),
                'normal': ('normals', 'npy'), 'edge': ('edge', 'npy')},
    'nyud_mt_png': {'img': ('images', 'png'), 'seg': ('segmentation', 'png'), 'depth': ('depth', 'npy'),
                    'normal': ('normals', 'png'), 'edge': ('edge', 'png')},
}


@DATASETS.register_module()
class NYUv2Dataset(ReleasedDatasetMixin, BaseDataset):
    """NYUv2 indoor scenes with semantic classes, depth, surface normals and (NYUD-v2 release) boundaries.

    Four released layouts (``layout``):

    * ``'adashare'``: ``nyu_v2_3task.json`` lists, per split (train, train1,
      train2, test), entries ``[img, seg, normal, depth]`` of paths relative to
      the root (see :data:`ADASHARE_LAYOUT`); 40 classes, images 480x640.
    * ``'mtan'``: ``{train,val}/{image,label,depth,normal}/<i>.npy`` as
      preprocessed by MTAN (and used by LibMTL); 13 classes, 288x384.
      Splits 'train' and 'val'; 'test' reads 'val' (the release has no
      separate test set).
    * ``'nyud_mt'``: the NYUD-v2 multi-task release (Maninis et al. 2019) as
      MTI-Net and InvPT read it (:data:`NYUD_MT_LAYOUT`): ``gt_sets`` split
      lists, jpg images, 40 classes, npy depth, normals and boundaries
      (label ``edge``). 'test' reads 'val'.
    * ``'nyud_mt_png'``: the same release as ATRC and TaskPrompter read it
      (:data:`NYUD_MT_PNG_LAYOUT`): png images, normals and boundaries.

    Decoding (a fetched item, before the pipeline):

    * ``img``: uint8 HxWx3 RGB (MTAN floats in [0, 1] are scaled by 255 and
      rounded unless ``img_to_uint8=False``, which keeps float32 in [0, 1];
      then put ``NormalizeImage`` before ``PackMultiTaskInputs``).
    * ``seg``: int64 HxW; AdaShare: stored value = class id, 255 ignored;
      MTAN: float class values, -1 -> 255; NYUD-v2 release: stored value - 1,
      0 (unlabelled) -> 255. Values outside the class range -> 255.
    * ``depth``: float32 HxW metres, 0 = invalid (HxWx1 files are squeezed).
    * ``normal``: float32 HxWx3; AdaShare: ``value / 255 * 2 - 1`` per RGB
      channel, (0, 0, 0) pixels -> zero vector (invalid); MTAN and
      ``'nyud_mt'``: as stored; ``'nyud_mt_png'``: ``value / 255 * 2 - 1``.
    * ``edge`` (NYUD-v2 release): float32 HxW, 1 where the stored value (npy;
      png divided by 255) is at least 0.5, else 0.

    Args:
        root: Dataset root. Defaults to ``data/nyuv2``.
        split: A split of the layout (see above).
        layout: ``'adashare'`` (default), ``'mtan'``, ``'nyud_mt'`` or
            ``'nyud_mt_png'``.
        tasks: Label keys to keep among 'seg', 'depth', 'normal' (and 'edge'
            in the NYUD-v2 layouts); None keeps all. Only the files of kept
            labels are read.
        img_to_uint8: Return npy images (MTAN layout) as uint8.
        pipeline: Transforms applied to each sample.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset``; ``data_root``
            is accepted as another name of ``root``.

    Raises:
        FileNotFoundError: If the root or the split file/folder is missing (at
            construction) or a listed file is missing (when fetched).
        ValueError: On an unknown layout, split or task, or a file whose shape
            or dtype does not fit (when fetched).
    """

    #: None: building an example needs files on disk (tests/datasets covers it with real or fake files)
    example_args = None

    METAINFO = dict(classes=NYUV2_40_CLASSES, ignore_index=IGNORE_INDEX, tasks=tuple(NYUV2_LABEL_TYPES),
                    label_types=dict(NYUV2_LABEL_TYPES))

    def __init__(self,
                 root: str = 'data/nyuv2',
                 split: str = 'train',
                 layout: str = 'adashare',
                 tasks: Optional[Sequence[str]] = None,
                 img_to_uint8: bool = True,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        name = 'NYUv2Dataset'
        if layout not in NYUV2_LAYOUTS:
            raise ValueError(f'{name}: unknown layout {layout!r}; expected one of {list(NYUV2_LAYOUTS)}')
        root = resolve_root(root, kwargs, 'data/nyuv2', name)
        text = {'adashare': ADASHARE_LAYOUT, 'mtan': MTAN_LAYOUT, 'nyud_mt': NYUD_MT_LAYOUT,
                'nyud_mt_png': NYUD_MT_PNG_LAYOUT}[layout]
        require_dir(root, name, text)
        self.root, self.split, self.layout = root, split, layout
        label_types = NYUD_MT_LABEL_TYPES if layout in NYUD_MT_FILES else NYUV2_LABEL_TYPES
        self.tasks = check_tasks(tasks, tuple(label_types), name)
        self.label_types = {t: label_types[t] for t in self.tasks}
        self.img_to_uint8 = bool(img_to_uint8)
        if layout == 'adashare':
            index = osp.join(root, 'nyu_v2_3task.json')
            require_file(index, name, text, what='split file')
            entries = select_split(load_split_json(index, name), split, name, index)
            fields = ('img', 'seg', 'normal', 'depth')
            self.samples = [dict(zip(fields, check_entry(e, 4, fields, name, f'split {split!r} of {index!r}', i)))
                            for i, e in enumerate(entries)]
            self.num_classes, classes = 40, NYUV2_40_CLASSES
        elif layout == 'mtan':
            folder = 'val' if split == 'test' else split
            indices = select_npy_split(root, split, folder, MTAN_DIRS['img'], name, text)
            self.samples = [{k: osp.join(folder, d, f'{i}.npy') for k, d in MTAN_DIRS.items()} for i in indices]
            self.num_classes, classes = 13, NYUV2_13_CLASSES
        else:
            if split not in ('train', 'val', 'test'):
                raise ValueError(f"{name}: unknown split {split!r}; layout {layout!r} has the splits ['train', 'val'] "
                                 "('test' reads val)")
            index = osp.join(root, 'gt_sets', f'{"val" if split == "test" else split}.txt')
            require_file(index, name, text, what='split file')
            self.samples = [{k: osp.join(d, f'{i}.{ext}') for k, (d, ext) in NYUD_MT_FILES[layout].items()}
                            for i in read_id_list(index)]
            self.num_classes, classes = 40, NYUV2_40_CLASSES
        metainfo = dict(classes=classes, tasks=self.tasks, label_types=dict(self.label_types), layout=layout,
                        **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', data_root=root, metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    def _load_adashare(self, files: dict, sample: str) -> dict:
        name = 'NYUv2Dataset'
        path = osp.join(self.root, files['img'])
        img = read_png(path, name, sample, mode='RGB')
        size = img.shape[:2]
        out = {'img': img}
        if 'seg' in self.tasks:
            path = osp.join(self.root, files['seg'])
            out['seg'] = class_map(read_png(path, name, sample), path, name, sample, size, self.num_classes)
        if 'depth' in self.tasks:
            out['depth'] = depth_npy(osp.join(self.root, files['depth']), name, sample, size)
        if 'normal' in self.tasks:
            path = osp.join(self.root, files['normal'])
            normal = normal_from_uint8(read_png(path, name, sample), path, name, sample, zero_is_invalid=True)
            check_same_size(normal, size, path, name, sample, 'normal map')
            out['normal'] = normal
        return out

    def _load_mtan(self, files: dict, sample: str) -> dict:
        name = 'NYUv2Dataset'
        out = self.load_npy_image_seg_depth(files, sample)
        size = out['img'].shape[:2]
        if 'normal' in self.tasks:
            path = osp.join(self.root, files['normal'])
            normal = normal_map(load_npy(path, name, sample), path, name, sample)
            check_same_size(normal, size, path, name, sample, 'normal map')
            out['normal'] = normal
        return out

    def _load_nyud_mt(self, files: dict, sample: str) -> dict:
        name = 'NYUv2Dataset'
        img = read_png(osp.join(self.root, files['img']), name, sample, mode='RGB')
        size = img.shape[:2]
        out = {'img': img}
        if 'seg' in self.tasks:  # stored 1..40, 0 unlabelled: one less, 0 -> 255
            path = osp.join(self.root, files['seg'])
            out['seg'] = class_map(read_png(path, name, sample), path, name, sample, size, self.num_classes, offset=1)
        if 'depth' in self.tasks:
            out['depth'] = depth_npy(osp.join(self.root, files['depth']), name, sample, size)
        if 'normal' in self.tasks:
            path = osp.join(self.root, files['normal'])
            if path.endswith('.npy'):
                normal = normal_map(load_npy(path, name, sample), path, name, sample)
            else:
                normal = normal_from_uint8(read_png(path, name, sample), path, name, sample)
            check_same_size(normal, size, path, name, sample, 'normal map')
            out['normal'] = normal
        if 'edge' in self.tasks:
            path = osp.join(self.root, files['edge'])
            if path.endswith('.npy'):
                edge = as_hw(load_npy(path, name, sample), path, name, sample, 'boundary map').astype(np.float64)
            else:
                edge = as_hw(read_png(path, name, sample), path, name, sample, 'boundary map') / 255.0
            check_same_size(edge, size, path, name, sample, 'boundary map')
            out['edge'] = (edge >= 0.5).astype(np.float32)
        return out

    def load_sample(self, files: dict, sample: str) -> dict:
        """Reads and decodes the image and the kept labels of one sample."""
        if self.layout == 'adashare':
            return self._load_adashare(files, sample)
        return self._load_mtan(files, sample) if self.layout == 'mtan' else self._load_nyud_mt(files, sample)


__all__ = ['NYUD_MT_LABEL_TYPES', 'NYUV2_13_CLASSES', 'NYUV2_40_CLASSES', 'NYUV2_LABEL_TYPES', 'NYUv2Dataset']
