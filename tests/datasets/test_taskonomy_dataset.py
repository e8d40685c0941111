"""The Tiny-Taskonomy loader, read from a tiny fake tree in the released layout: encodings, clipping, errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from mtlreg.datasets import TaskonomyDataset, taskonomy_class_weights  # noqa: E402
from tests.datasets.fake_files import H, W, _fast, _pipeline, _png, _rgb  # noqa: E402

Taskonomy = _fast(TaskonomyDataset)

TASKONOMY_DOMAINS = (('rgb', 'rgb'), ('segment_semantic', 'segmentsemantic'), ('normal', 'normal'),
                     ('depth_zbuffer', 'depth_zbuffer'), ('keypoints2d', 'keypoints2d'),
                     ('edge_texture', 'edge_texture'))


def _taskonomy_labels():
    seg = np.full((H, W), 3, np.uint8)
    seg[0, :4] = [0, 1, 17, 18]
    normal = np.full((H, W, 3), 128, np.uint8)
    normal[0, 0] = [255, 0, 255]
    depth = np.full((H, W), 1024, np.uint16)
    depth[0, :4] = [64500, 65535, 512, 64499]
    keypoint = np.zeros((H, W), np.uint16)
    keypoint[0, :3] = [32768, 128, 65535]
    edge = np.zeros((H, W), np.uint16)
    edge[0, :2] = [2621, 65535]
    return seg, normal, depth, keypoint, edge


def make_taskonomy(root, prior=True):
    """Writes two train views and one val view; returns the JSON dict."""
    views = {'train': [('allensville', 0, 1), ('allensville', 2, 3)], 'val': [('beechwood', 5, 0)]}
    info = {}
    for split, items in views.items():
        info[split] = []
        for k, (building, p, v) in enumerate(items):
            entry = [f'{building}/{d}/point_{p}_view_{v}_domain_{dom}.png' for d, dom in TASKONOMY_DOMAINS]
            seg, normal, depth, keypoint, edge = _taskonomy_labels()
            for rel, arr in zip(entry, (_rgb(p), seg + k, normal, depth, keypoint, edge)):
                _png(os.path.join(root, rel), arr)
            info[split].append(entry)
    with open(os.path.join(root, 'taskonomy.json'), 'w') as f:
        json.dump(info, f)
    if prior:
        np.save(os.path.join(root, 'semseg_prior_factor.npy'), np.linspace(0.5, 2.1, 17))
    return info


def test_taskonomy_decodes_the_encodings(tmp_path):
    info = make_taskonomy(str(tmp_path))
    ds = TaskonomyDataset(str(tmp_path), split='train')
    assert len(ds) == 2 and len(Taskonomy(str(tmp_path), split='val')) == 1
    s = ds[0]
    assert s['label_types'] == {'seg': 'segmentation', 'normal': 'normal', 'depth': 'depth', 'keypoint': 'dense',
                                'edge': 'dense'}
    np.testing.assert_array_equal(s['img'], np.array(Image.open(tmp_path / info['train'][0][0])))
    assert s['img'].dtype == np.uint8 and s['img'].shape == (H, W, 3)
    assert s['seg'].dtype == np.int64
    assert s['seg'][0, :4].tolist() == [255, 0, 16, 255] and s['seg'][1, 0] == 2
    assert ds[1]['seg'][1, 0] == 3  # second view stores value 4
    assert s['normal'].dtype == np.float32
    np.testing.assert_allclose(s['normal'][0, 0], [1.0, -1.0, 1.0])
    np.testing.assert_allclose(s['normal'][1, 1], [128 / 255 * 2 - 1] * 3, atol=1e-6)
    assert s['depth'].dtype == np.float32
    np.testing.assert_allclose(s['depth'][0, :4], [0.0, 0.0, 1.0, 64499 / 512])
    assert s['depth'][1, 1] == 2.0
    np.testing.assert_allclose(s['keypoint'][0, :3], [0.5, 128 / 65536, 65535 / 65536])
    np.testing.assert_allclose(s['edge'][0, :2], [2621 / 65536, 65535 / 65536])
    assert ds.metainfo['ignore_index'] == 255 and len(ds.metainfo['classes']) == 17
    np.testing.assert_allclose(ds.metainfo['class_weight'], np.linspace(0.5, 2.1, 17))
    assert TaskonomyDataset.class_weights(str(tmp_path)) == taskonomy_class_weights(str(tmp_path))


def test_taskonomy_official_clipping_and_normal_mask(tmp_path):
    make_taskonomy(str(tmp_path), prior=False)
    s = Taskonomy(str(tmp_path), tasks=['keypoint', 'edge', 'normal'], dense_clip='official',
                         mask_normal_by_depth=True)[0]
    np.testing.assert_allclose(s['keypoint'][0, :3], [1.0, 128 / 65536 / 0.005, 1.0], rtol=1e-6)
    np.testing.assert_allclose(s['edge'][0, :2], [2621 / 65536 / 0.08, 1.0], rtol=1e-6)
    assert s['keypoint'].max() <= 1.0 and s['edge'].min() == 0.0
    assert not s['normal'][0, :2].any() and s['normal'][0, 2].all()  # depth >= 64500 -> zero normal
    s = Taskonomy(str(tmp_path), tasks=['edge'], dense_clip=dict(edge=0.5))[0]
    np.testing.assert_allclose(s['edge'][0, :2], [2621 / 65536 / 0.5, 1.0], rtol=1e-6)
    with pytest.raises(ValueError, match='dense_clip'):
        Taskonomy(str(tmp_path), dense_clip=dict(depth=0.1))


def test_taskonomy_reads_only_the_kept_tasks(tmp_path):
    info = make_taskonomy(str(tmp_path), prior=False)
    for rel in info['train'][0][2:]:
        os.remove(tmp_path / rel)  # normal, depth, keypoints, edges
    ds = Taskonomy(data_root=str(tmp_path), tasks=['seg'])  # data_root: another name of root
    s = ds[0]
    assert set(s['label_types']) == {'seg'} and 'depth' not in s and ds.metainfo['class_weight'] is None
    with pytest.raises(FileNotFoundError, match=r"depth_zbuffer.png' listed for sample 0 of split 'train'"):
        Taskonomy(str(tmp_path), tasks=['seg', 'depth'])[0]


def test_taskonomy_through_a_pipeline(tmp_path):
    make_taskonomy(str(tmp_path))
    raw = Taskonomy(str(tmp_path))[0]
    packed = Taskonomy(str(tmp_path), pipeline=_pipeline())[0]
    assert packed['inputs'].shape == (3, 4, 6) and packed['inputs'].dtype == torch.float32
    d = packed['data_samples']
    assert d['seg'].shape == (4, 6) and d['seg'].dtype == torch.int64
    assert d['normal'].shape == (3, 4, 6)
    for key in ('depth', 'keypoint', 'edge'):
        assert d[key].shape == (1, 4, 6) and d[key].dtype == torch.float32
    assert set(torch.unique(d['seg']).tolist()) <= {0, 2, 16, 255}
    flipped = Taskonomy(str(tmp_path), pipeline=_pipeline(crop=(H, W)))[0]['data_samples']
    np.testing.assert_allclose(flipped['normal'][0].numpy(), -raw['normal'][:, ::-1, 0])
    np.testing.assert_allclose(flipped['depth'][0].numpy(), raw['depth'][:, ::-1])


def test_taskonomy_errors(tmp_path):
    missing = tmp_path / 'nowhere'
    with pytest.raises(FileNotFoundError, match=r"(?s)'.*nowhere' does not exist.*taskonomy.json.*docs/datasets.md"):
        Taskonomy(str(missing))
    with pytest.raises(FileNotFoundError, match=r"(?s)taskonomy.json' does not exist.*docs/datasets.md"):
        Taskonomy(str(tmp_path))
    info = make_taskonomy(str(tmp_path))
    with pytest.raises(ValueError, match=r"unknown split 'training'.*\['train', 'val'\]"):
        Taskonomy(str(tmp_path), split='training')
    with pytest.raises(ValueError, match='unknown tasks'):
        Taskonomy(str(tmp_path), tasks=['seg', 'sn'])
    _png(tmp_path / info['train'][1][3], np.zeros((H, W), np.uint8))  # 8-bit depth
    with pytest.raises(ValueError, match=r"depth_zbuffer.png.*sample 1.*expected a 16-bit"):
        Taskonomy(str(tmp_path), tasks=['depth'])[1]
    _png(tmp_path / info['train'][1][1], np.zeros((H, W + 1), np.uint8))
    with pytest.raises(ValueError, match=r"segmentsemantic.png.*shape \(8, 9\).*image size 8x8"):
        Taskonomy(str(tmp_path), tasks=['seg'])[1]
    np.save(tmp_path / 'semseg_prior_factor.npy', np.ones(5))
    with pytest.raises(ValueError, match='expected 17 finite class weights'):
        Taskonomy(str(tmp_path))
