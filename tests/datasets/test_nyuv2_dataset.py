"""The NYUv2 loader, read from tiny fake trees of the AdaShare and MTAN releases: labels, packing, errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtlreg.datasets import NYUv2Dataset  # noqa: E402
from mtlreg.registry import DATASETS  # noqa: E402
from tests.datasets.fake_files import H, W, _fast, _npy, _pipeline, _png, _rgb, make_mtan  # noqa: E402

NYUv2 = _fast(NYUv2Dataset)


def make_nyuv2_adashare(root):
    info = {'train': [], 'test': []}
    for split, ids in (('train', ['0061', '0295']), ('test', ['0774'])):
        for k, i in enumerate(ids):
            seg = np.full((H, W), 7, np.uint8)
            seg[0, :3] = [255, 0, 39]
            normal = np.full((H, W, 3), 255, np.uint8)
            normal[0, 0] = 0
            normal[0, 1] = [0, 255, 0]
            depth = np.full((H, W), 2.5, np.float32)
            depth[0, 0] = 0.0
            _png(os.path.join(root, 'img', f'{i}.png'), _rgb(k))
            _png(os.path.join(root, 'seg', f'{i}.png'), seg)
            _png(os.path.join(root, 'normal_mask', f'{i}.png'), normal)
            _npy(os.path.join(root, 'depth', f'{i}.npy'), depth)
            info[split].append([f'img/{i}.png', f'seg/{i}.png', f'normal_mask/{i}.png', f'depth/{i}.npy'])
    with open(os.path.join(root, 'nyu_v2_3task.json'), 'w') as f:
        json.dump(info, f)
    return info


def test_nyuv2_adashare_layout(tmp_path):
    make_nyuv2_adashare(str(tmp_path))
    ds = NYUv2(str(tmp_path), split='train')
    assert len(ds) == 2 and len(NYUv2(str(tmp_path), split='test')) == 1
    s = ds[1]
    np.testing.assert_array_equal(s['img'], _rgb(1))
    assert s['seg'].dtype == np.int64 and s['seg'][0, :4].tolist() == [255, 0, 39, 7]
    np.testing.assert_array_equal(s['normal'][0, 0], [0.0, 0.0, 0.0])  # all-zero pixel -> invalid
    np.testing.assert_allclose(s['normal'][0, 1], [-1.0, 1.0, -1.0])
    np.testing.assert_allclose(s['normal'][2, 2], [1.0, 1.0, 1.0])
    assert s['depth'].dtype == np.float32 and s['depth'][0, 0] == 0.0 and s['depth'][1, 1] == 2.5
    assert len(ds.metainfo['classes']) == 40 and ds.metainfo['ignore_index'] == 255
    packed = NYUv2(str(tmp_path), pipeline=_pipeline())[0]
    assert packed['inputs'].shape == (3, 4, 6)
    assert packed['data_samples']['normal'].shape == (3, 4, 6)
    assert packed['data_samples']['seg'].dtype == torch.int64


def test_nyuv2_mtan_layout(tmp_path):
    make_mtan(str(tmp_path))
    ds = NYUv2(str(tmp_path), layout='mtan', split='train')
    assert len(ds) == 2
    assert len(NYUv2(str(tmp_path), layout='mtan', split='test')) == 1  # 'test' reads val
    s = ds[0]
    img = np.load(tmp_path / 'train' / 'image' / '0.npy')
    assert s['img'].dtype == np.uint8
    np.testing.assert_array_equal(s['img'], np.rint(img * 255).astype(np.uint8))
    assert s['seg'][0, :4].tolist() == [255, 0, 12, 4]
    assert s['depth'].shape == (H, W) and s['depth'][0, 0] == 0.0 and s['depth'][1, 1] == 1.5
    np.testing.assert_allclose(s['normal'][1, 1], [0.6, 0.0, -0.8])
    assert len(ds.metainfo['classes']) == 13
    s = NYUv2(str(tmp_path), layout='mtan', img_to_uint8=False, tasks=['depth'])[0]
    assert s['img'].dtype == np.float32 and set(s['label_types']) == {'depth'}
    ds = DATASETS.build(dict(type='NYUv2Dataset', root=str(tmp_path), layout='mtan', split='val', pipeline=[
        dict(type='Albumentations', transforms=[dict(type='HorizontalFlip', p=1.0),
                                                dict(type='RandomCrop', height=4, width=6)]),
        dict(type='PackMultiTaskInputs')]))
    packed = ds[0]
    assert packed['inputs'].shape == (3, 4, 6)
    assert {k: tuple(v.shape) for k, v in packed['data_samples'].items()} == {
        'seg': (4, 6), 'depth': (1, 4, 6), 'normal': (3, 4, 6)}


def test_nyuv2_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?s)'.*nowhere' does not exist.*nyu_v2_3task.json.*docs/datasets.md"):
        NYUv2(str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match=r"(?s)split 'train' directory.*train/image/<i>.npy.*docs/datasets.md"):
        NYUv2(str(tmp_path), layout='mtan')
    with pytest.raises(ValueError, match='unknown layout'):
        NYUv2(str(tmp_path), layout='libmtl')
    make_nyuv2_adashare(str(tmp_path))
    with pytest.raises(ValueError, match=r"unknown split 'val'.*\['test', 'train'\]"):
        NYUv2(str(tmp_path), split='val')
    os.remove(tmp_path / 'normal_mask' / '0295.png')
    ds = NYUv2(str(tmp_path), tasks=['seg', 'depth'])
    assert set(ds[1]) >= {'seg', 'depth'}
    with pytest.raises(FileNotFoundError, match=r"normal_mask/0295.png' listed for sample 1 of split 'train'"):
        NYUv2(str(tmp_path))[1]
    _npy(tmp_path / 'depth' / '0061.npy', np.zeros((H, W, 2), np.float32))
    with pytest.raises(ValueError, match=r"depth/0061.npy.*shape \(8, 8, 2\); expected an HxW"):
        NYUv2(str(tmp_path), tasks=['depth'])[0]
    mtan = tmp_path / 'mtan'
    make_mtan(str(mtan))
    with pytest.raises(ValueError, match=r"unknown split 'train1'.*\['test', 'train', 'val'\]"):
        NYUv2(str(mtan), layout='mtan', split='train1')
    _npy(mtan / 'train' / 'image' / '1.npy', np.zeros((H, W, 3), np.uint8))
    with pytest.raises(ValueError, match=r"image/1.npy.*uint8.*expected an HxWx3 float image"):
        NYUv2(str(mtan), layout='mtan')[1]


@pytest.mark.parametrize('layout', ['nyud_mt', 'nyud_mt_png'])
def test_nyud_v2_multitask_release_layouts(tmp_path, layout):
    from tests.datasets.release_trees import make_nyud_mt
    make_nyud_mt(str(tmp_path), layout=layout)
    ds = NYUv2(str(tmp_path), layout=layout, split='train')
    assert len(ds) == 4 and len(NYUv2(str(tmp_path), layout=layout, split='test')) == 2
    assert ds.metainfo['label_types'] == {'seg': 'segmentation', 'depth': 'depth', 'normal': 'normal', 'edge': 'dense'}
    s = ds[0]
    assert s['img'].shape == (8, 8, 3) and s['img'].dtype == np.uint8
    assert s['seg'][0, :4].tolist() == [255, 0, 39, 4]  # stored 0 (unlabelled), 1, 40, 5
    assert s['depth'][0, 0] == 0.0 and s['depth'][1, 1] == 2.5
    expected = [0.0, 0.0, 1.0] if layout == 'nyud_mt' else [-1.0, 1.0, 1.0]
    np.testing.assert_allclose(s['normal'][1, 1], expected)
    edge = np.zeros((8, 8), np.float32)
    edge[:, 2] = 1
    np.testing.assert_array_equal(s['edge'], edge)
    packed = NYUv2(str(tmp_path), layout=layout, pipeline=_pipeline())[0]
    assert packed['data_samples']['edge'].shape == (1, 4, 6)
    with pytest.raises(ValueError, match='unknown tasks'):
        NYUv2(str(tmp_path), layout=layout, tasks=['sal'])
    with pytest.raises(ValueError, match="unknown split 'train1'"):
        NYUv2(str(tmp_path), layout=layout, split='train1')
    with pytest.raises(FileNotFoundError, match='gt_sets'):
        NYUv2(str(tmp_path / 'empty_root_missing'), layout=layout)
