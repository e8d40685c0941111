"""MMEngine dataset of procedural indoor scenes rendered on the fly."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

from .scenes import CLASSES, LABEL_TYPES, PALETTE, SceneRenderer, split_range
from .scenes.cache import SampleCache


@DATASETS.register_module()
class ScenesDataset(BaseDataset):
    """Procedural rooms with an RGB image and five dense labels per sample.

    Every sample is rendered from its scene index when fetched (see
    ``SceneRenderer``); nothing is downloaded. A fetched item, before the
    pipeline, holds 'img', the kept label keys ('seg', 'depth', 'normal',
    'edge', 'keypoint'), 'label_types', 'sample_idx' (position in this
    dataset) and 'scene_index' (global index fed to the renderer).

    Args:
        split: One of 'train', 'train1', 'train2', 'val', 'test' (see ``split_range``).
        resolution: Image size, an int or (height, width).
        seed: Renderer seed.
        split_sizes: Overrides of the split sizes, keys 'train', 'val', 'test'.
        tasks: Label keys to keep; None keeps all five.
        cache_dir: Directory of an on-disk cache (one ``.npz`` per sample,
            shared by all splits and task subsets of the same renderer settings).
        cache_in_memory: Keep rendered samples in memory, so that epochs after
            the first render nothing (per data-loader worker process).
        pipeline: Transforms applied to each sample.
        max_samples: Keep only the first ``max_samples`` scenes of the split.
        renderer_cfg: Extra ``SceneRenderer`` arguments (num_objects, fov, ...).
        **kwargs: Passed to ``mmengine.dataset.BaseDataset`` (lazy_init,
            test_mode, metainfo, serialize_data, ...).

    Raises:
        ValueError: On an unknown split or task.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(resolution=8, max_samples=2, pipeline=[dict(type='PackMultiTaskInputs')])

    METAINFO = dict(classes=CLASSES, palette=PALETTE, ignore_index=255, tasks=tuple(LABEL_TYPES),
                    label_types=dict(LABEL_TYPES))

    def __init__(self,
                 split: str = 'train',
                 resolution: Union[int, tuple] = 64,
                 seed: int = 0,
                 split_sizes: Optional[dict] = None,
                 tasks: Optional[Sequence[str]] = None,
                 cache_dir: Optional[str] = None,
                 cache_in_memory: bool = False,
                 pipeline: Sequence = (),
                 max_samples: Optional[int] = None,
                 renderer_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        self.split = split
        self.scene_indices = split_range(split, split_sizes)
        if max_samples is not None:
            self.scene_indices = self.scene_indices[:max_samples]
        tasks = tuple(LABEL_TYPES) if tasks is None else tuple(tasks)
        unknown = [t for t in tasks if t not in LABEL_TYPES]
        if unknown:
            raise ValueError(f'Unknown scenes tasks {unknown}; valid tasks are {list(LABEL_TYPES)}.')
        self.tasks = tasks
        self.label_types = {t: LABEL_TYPES[t] for t in tasks}
        self.renderer = SceneRenderer(resolution, seed=seed, **(renderer_cfg or {}))
        self.disk_cache = None
        if cache_dir is not None:
            h, w = self.renderer.height, self.renderer.width
            self.disk_cache = SampleCache(cache_dir, f'scenes_{h}x{w}_seed{seed}_{self.renderer.fingerprint()}')
        self.memory_cache = {} if cache_in_memory else None
        metainfo = dict(tasks=tasks, label_types=dict(self.label_types), **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> list:
        """Lists one entry per scene of the split."""
        return [{'scene_index': i} for i in self.scene_indices]

    def load_sample(self, scene_index: int) -> dict:
        """Returns the image and kept labels of a scene, from a cache when possible, rendering otherwise."""
        if self.memory_cache is not None and scene_index in self.memory_cache:
            cached = self.memory_cache[scene_index]
            return {k: v.astype(np.int64) if k == 'seg' else v.copy() for k, v in cached.items()}
        sample = self.disk_cache.load(scene_index) if self.disk_cache is not None else None
        if sample is None:
            sample = self.renderer.render(scene_index)
            if self.disk_cache is not None:
                self.disk_cache.save(scene_index, sample)
        sample = {k: sample[k] for k in ('img', *self.tasks)}
        if self.memory_cache is not None:  # class ids fit in uint8
            self.memory_cache[scene_index] = {
                k: v.astype(np.uint8) if k == 'seg' else v.copy() for k, v in sample.items()}
        return sample

    def get_data_info(self, idx: int) -> dict:
        """Returns the raw sample at position ``idx``: image, labels, 'label_types', 'sample_idx'."""
        info = super().get_data_info(idx)
        info.update(self.load_sample(info['scene_index']))
        info['label_types'] = dict(self.label_types)
        return info
