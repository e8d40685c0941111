"""Tiny-Taskonomy in the layout used by the AdaShare release: one JSON index of PNG files."""
from __future__ import annotations

import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

from .dataset_layout import (IGNORE_INDEX, ReleasedDatasetMixin, check_entry, check_same_size, check_tasks,
                             load_split_json, normal_from_uint8, read_png, require_dir, require_file, resolve_root,
                             select_split, shape_error)

#: Label key -> label kind, in the order of the files of a JSON entry (after the rgb image).
TASKONOMY_LABEL_TYPES = {'seg': 'segmentation', 'normal': 'normal', 'depth': 'depth', 'keypoint': 'dense',
                         'edge': 'dense'}

#: Fields of a JSON entry, in order.
TASKONOMY_FIELDS = ('rgb', 'segment_semantic', 'normal', 'depth_zbuffer', 'keypoints2d', 'edge_texture')

#: Position of each label's file in a JSON entry.
_FIELD_INDEX = {'seg': 1, 'normal': 2, 'depth': 3, 'keypoint': 4, 'edge': 5}

#: Number of semantic classes (stored values 1..17; 0 = unknown).
TASKONOMY_NUM_CLASSES = 17

#: Class names: class ``i`` is the stored PNG value ``i + 1`` (the release ships no names).
TASKONOMY_CLASSES = tuple(f'taskonomy_{v}' for v in range(1, TASKONOMY_NUM_CLASSES + 1))

#: Depth PNG values at or above this mark pixels without depth.
TASKONOMY_DEPTH_INVALID = 64500

#: Depth PNG units per metre.
TASKONOMY_DEPTH_SCALE = 512.0

#: Clipping of the keypoint and edge maps applied by the AdaShare code (before rescaling to [0, 1]).
OFFICIAL_DENSE_CLIP = {'keypoint': 0.005, 'edge': 0.08}

#: Name of the optional class-balancing prior file in the root.
PRIOR_FILE = 'semseg_prior_factor.npy'

TASKONOMY_LAYOUT = """\
  data/taskonomy/
    taskonomy.json             {"train": [[rgb, seg, normal, depth, keypoints2d, edge], ...], "val": ..., "test": ...}
    semseg_prior_factor.npy    optional, 17 class weights
    <building>/rgb/point_<p>_view_<v>_domain_rgb.png
    <building>/segment_semantic/point_<p>_view_<v>_domain_segmentsemantic.png
    <building>/normal/point_<p>_view_<v>_domain_normal.png
    <building>/depth_zbuffer/point_<p>_view_<v>_domain_depth_zbuffer.png
    <building>/keypoints2d/point_<p>_view_<v>_domain_keypoints2d.png
    <building>/edge_texture/point_<p>_view_<v>_domain_edge_texture.png"""


def taskonomy_class_weights(root: str = 'data/taskonomy') -> list[float]:
    """Reads the class-balancing prior ``semseg_prior_factor.npy`` of a Tiny-Taskonomy root.

    The list fits ``CrossEntropyLoss(class_weight=...)`` of the 'seg' task, as
    the AdaShare code weights its segmentation loss with this file.

    Args:
        root: Dataset root.

    Returns:
        17 floats, one per class (class ``i`` = stored value ``i + 1``).

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it does not hold 17 finite numbers.
    """
    path = osp.join(root, PRIOR_FILE)
    require_file(path, 'TaskonomyDataset', TASKONOMY_LAYOUT, what='class prior file')
    try:
        prior = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f'TaskonomyDataset: cannot read {path!r} as a .npy array: {err}') from err
    prior = np.asarray(prior)
    if prior.ndim != 1 or prior.shape[0] != TASKONOMY_NUM_CLASSES or not np.issubdtype(prior.dtype, np.number) \
            or not np.isfinite(prior).all():
        raise ValueError(f'TaskonomyDataset: {path!r} holds a {prior.dtype} array of shape {prior.shape}; expected '
                         f'{TASKONOMY_NUM_CLASSES} finite class weights')
    return [float(v) for v in prior]


def _dense_clip(dense_clip: Union[None, str, dict]) -> dict:
    """Validates the ``dense_clip`` argument and returns {key: upper bound}."""
    if dense_clip is None:
        return {}
    if dense_clip == 'official':
        return dict(OFFICIAL_DENSE_CLIP)
    if not isinstance(dense_clip, dict):
        raise ValueError(f"TaskonomyDataset: dense_clip must be None, 'official' or a dict, got {dense_clip!r}")
    out = {}
    for key, bound in dense_clip.items():
        if key not in ('keypoint', 'edge'):
            raise ValueError(f"TaskonomyDataset: dense_clip key {key!r} is not 'keypoint' or 'edge'")
        if bound is None:
            continue
        if not isinstance(bound, (int, float)) or not 0 < bound <= 1:
            raise ValueError(f'TaskonomyDataset: dense_clip[{key!r}] must be in (0, 1], got {bound!r}')
        out[key] = float(bound)
    return out


@DATASETS.register_module()
class TaskonomyDataset(ReleasedDatasetMixin, BaseDataset):
    """Tiny-Taskonomy (AdaShare release): RGB with five dense labels per view.

    The root holds ``taskonomy.json``, a dict of split lists (e.g. train,
    train1, train2, val, test); each entry lists six paths relative to the
    root, in the order rgb, segment_semantic, normal, depth_zbuffer,
    keypoints2d, edge_texture (see :data:`TASKONOMY_LAYOUT`). Files are read
    when a sample is fetched; the JSON is read at construction.

    Decoding (a fetched item, before the pipeline):

    * ``img``: uint8 HxWx3 RGB.
    * ``seg``: int64 HxW; stored value 0 (unknown) -> 255 (ignore), value
      ``v`` in 1..17 -> class ``v - 1``, any other value -> 255.
    * ``normal``: float32 HxWx3, ``value / 255 * 2 - 1`` per channel (channels
      as stored).
    * ``depth``: float32 HxW metres = ``value / 512`` (uint16 PNG); values
      >= 64500 (no depth) -> 0, the invalid value of the 'depth' kind.
    * ``keypoint``, ``edge``: float32 HxW = ``value / 2**16`` (uint16 PNG),
      in [0, 1); with ``dense_clip`` clipped to [0, c] and divided by c.

    Args:
        root: Dataset root. Defaults to ``data/taskonomy``.
        split: A key of ``taskonomy.json``.
        tasks: Label keys to keep among 'seg', 'normal', 'depth', 'keypoint',
            'edge'; None keeps all. Only the files of kept labels are read.
        dense_clip: None (default) keeps keypoint/edge maps as ``value / 2**16``;
            ``'official'`` applies the clipping of the AdaShare code
            (``dict(keypoint=0.005, edge=0.08)``): the map is clipped to
            [0, c] and divided by c, so it spans [0, 1]; a dict sets c per key.
        mask_normal_by_depth: Also read the depth file when 'normal' is kept and
            set the normal to the zero vector (invalid) where depth is invalid.
            Off by default, so only the files of the kept labels are read.
        pipeline: Transforms applied to each sample.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset`` (lazy_init,
            test_mode, metainfo, serialize_data, ...). ``data_root`` is
            accepted as another name of ``root``.

    ``metainfo`` holds classes, ignore_index, tasks, label_types and
    ``class_weight`` (the 17 prior weights of ``semseg_prior_factor.npy``,
    or None when the root lacks that file).

    Raises:
        FileNotFoundError: If the root or ``taskonomy.json`` is missing (at
            construction) or a listed file is missing (when fetched).
        ValueError: On an unknown split or task, a malformed entry, or a file
            whose shape or dtype does not fit (when fetched).
    """

    #: None: building an example needs files on disk (tests/datasets covers it with real or fake files)
    example_args = None

    METAINFO = dict(classes=TASKONOMY_CLASSES, ignore_index=IGNORE_INDEX, tasks=tuple(TASKONOMY_LABEL_TYPES),
                    label_types=dict(TASKONOMY_LABEL_TYPES))

    def __init__(self,
                 root: str = 'data/taskonomy',
                 split: str = 'train',
                 tasks: Optional[Sequence[str]] = None,
                 dense_clip: Union[None, str, dict] = None,
                 mask_normal_by_depth: bool = False,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        root = resolve_root(root, kwargs, 'data/taskonomy', 'TaskonomyDataset')
        require_dir(root, 'TaskonomyDataset', TASKONOMY_LAYOUT)
        index = osp.join(root, 'taskonomy.json')
        require_file(index, 'TaskonomyDataset', TASKONOMY_LAYOUT, what='split file')
        entries = select_split(load_split_json(index, 'TaskonomyDataset'), split, 'TaskonomyDataset', index)
        self.samples = [check_entry(e, 6, TASKONOMY_FIELDS, 'TaskonomyDataset', f'split {split!r} of {index!r}', i)
                       for i, e in enumerate(entries)]
        self.root, self.split = root, split
        self.tasks = check_tasks(tasks, tuple(TASKONOMY_LABEL_TYPES), 'TaskonomyDataset')
        self.label_types = {t: TASKONOMY_LABEL_TYPES[t] for t in self.tasks}
        self.dense_clip = _dense_clip(dense_clip)
        self.mask_normal_by_depth = bool(mask_normal_by_depth)
        class_weight = taskonomy_class_weights(root) if osp.isfile(osp.join(root, PRIOR_FILE)) else None
        metainfo = dict(tasks=self.tasks, label_types=dict(self.label_types), class_weight=class_weight,
                        **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', data_root=root, metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    @staticmethod
    def class_weights(root: str = 'data/taskonomy') -> list[float]:
        """Reads the 17 class weights of ``semseg_prior_factor.npy`` (see :func:`taskonomy_class_weights`)."""
        return taskonomy_class_weights(root)

    def _path(self, rel: str) -> str:
        return osp.join(self.root, rel)

    def _read_uint16(self, path: str, sample: str, size: tuple, what: str) -> np.ndarray:
        arr = read_png(path, 'TaskonomyDataset', sample)
        if arr.ndim != 2 or arr.dtype != np.uint16:
            raise shape_error(path, 'TaskonomyDataset', sample, arr, f'a 16-bit single-channel PNG ({what})')
        check_same_size(arr, size, path, 'TaskonomyDataset', sample, what)
        return arr

    def load_sample(self, files: Sequence[str], sample: str) -> dict:
        """Reads and decodes the image and the kept labels of one JSON entry."""
        path = self._path(files[0])
        img = read_png(path, 'TaskonomyDataset', sample, mode='RGB')
        size = img.shape[:2]
        out = {'img': img}
        depth_raw = None
        if 'seg' in self.tasks:
            path = self._path(files[_FIELD_INDEX['seg']])
            seg = read_png(path, 'TaskonomyDataset', sample)
            if seg.ndim == 3 and seg.shape[-1] in (3, 4) and (seg[..., :3] == seg[..., :1]).all():
                seg = seg[..., 0]
            if seg.ndim != 2 or not np.issubdtype(seg.dtype, np.integer):
                raise shape_error(path, 'TaskonomyDataset', sample, seg, 'a single-channel integer PNG of class values')
            check_same_size(seg, size, path, 'TaskonomyDataset', sample, 'segmentation map')
            seg = seg.astype(np.int64)
            out['seg'] = np.where((seg >= 1) & (seg <= TASKONOMY_NUM_CLASSES), seg - 1, IGNORE_INDEX)
        if 'depth' in self.tasks or ('normal' in self.tasks and self.mask_normal_by_depth):
            path = self._path(files[_FIELD_INDEX['depth']])
            depth_raw = self._read_uint16(path, sample, size, 'z-buffer depth map')
            if 'depth' in self.tasks:
                depth = depth_raw.astype(np.float32) / TASKONOMY_DEPTH_SCALE
                depth[depth_raw >= TASKONOMY_DEPTH_INVALID] = 0.0
                out['depth'] = depth
        if 'normal' in self.tasks:
            path = self._path(files[_FIELD_INDEX['normal']])
            rgb = read_png(path, 'TaskonomyDataset', sample)
            normal = normal_from_uint8(rgb, path, 'TaskonomyDataset', sample)
            check_same_size(normal, size, path, 'TaskonomyDataset', sample, 'normal map')
            if depth_raw is not None and self.mask_normal_by_depth:
                normal[depth_raw >= TASKONOMY_DEPTH_INVALID] = 0.0
            out['normal'] = normal
        for key in ('keypoint', 'edge'):
            if key not in self.tasks:
                continue
            path = self._path(files[_FIELD_INDEX[key]])
            value = self._read_uint16(path, sample, size, f'{key} map').astype(np.float32) / 2.0 ** 16
            bound = self.dense_clip.get(key)
            if bound is not None:
                value = np.clip(value, 0.0, bound) / bound
            out[key] = value.astype(np.float32)
        # The order of the label keys follows ``tasks``.
        return {'img': out['img'], **{t: out[t] for t in self.tasks}}


__all__ = ['OFFICIAL_DENSE_CLIP', 'TASKONOMY_CLASSES', 'TASKONOMY_LABEL_TYPES', 'TASKONOMY_LAYOUT', 'TaskonomyDataset',
           'taskonomy_class_weights']
