"""The scenes dataset: built from the registry, its items and metainfo, caches on disk and in memory, errors."""
import numpy as np
import pytest

from mtlreg.datasets.scenes import CLASSES, LABEL_TYPES
from mtlreg.datasets.scenes_dataset import ScenesDataset
from mtlreg.registry import DATASETS
from tests.datasets.conftest import RES


def test_bad_split_and_task():
    with pytest.raises(ValueError, match="'bogus'.*train1"):
        ScenesDataset(split='bogus')
    with pytest.raises(ValueError, match='colour'):
        ScenesDataset(split='val', tasks=['colour'])


def test_dataset_item(renderer):
    ds = DATASETS.build(dict(type='ScenesDataset', split='test', resolution=RES,
                             split_sizes={'train': 6, 'val': 2, 'test': 3}, tasks=['seg', 'depth']))
    assert isinstance(ds, ScenesDataset)
    assert len(ds) == 3 and ds.metainfo['classes'] == CLASSES and ds.metainfo['tasks'] == ('seg', 'depth')
    item = ds[1]
    assert item['sample_idx'] == 1 and item['scene_index'] == 9
    assert item['label_types'] == {'seg': 'segmentation', 'depth': 'depth'}
    assert set(item) == {'img', 'seg', 'depth', 'label_types', 'sample_idx', 'scene_index'}
    np.testing.assert_array_equal(item['img'], renderer.render(9)['img'])


def test_caches(tmp_path):
    kwargs = dict(split='val', resolution=RES, split_sizes={'train': 4, 'val': 2}, cache_dir=str(tmp_path))
    first = ScenesDataset(**kwargs)[0]
    files = list(tmp_path.rglob('*.npz'))
    assert len(files) == 1
    cached = ScenesDataset(**kwargs, cache_in_memory=True)
    for item in (cached[0], cached[0]):  # from disk, then from memory
        for key in LABEL_TYPES.keys() | {'img'}:
            assert item[key].dtype == first[key].dtype
            np.testing.assert_array_equal(item[key], first[key])
    assert 4 in cached.memory_cache
