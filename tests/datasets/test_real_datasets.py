"""Loaders of Tiny-Taskonomy, NYUv2 and Cityscapes, read from tiny fake trees in the released layouts."""
import json
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from mtlreg.datasets import CityscapesDataset, NYUv2Dataset, TaskonomyDataset, taskonomy_class_weights  # noqa: E402
from mtlreg.datasets.transforms import Albumentations, PackMultiTaskInputs  # noqa: E402
from mtlreg.registry import DATASETS  # noqa: E402

H, W = 8, 8


def _fast(cls):
    """Builds the dataset without serialising its data list (MMEngine's serialisation runs a slow gc.collect)."""
    return lambda *args, **kwargs: cls(*args, serialize_data=False, **kwargs)


Taskonomy, NYUv2, Cityscapes = _fast(TaskonomyDataset), _fast(NYUv2Dataset), _fast(CityscapesDataset)


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


# ----------------------------------------------------------------------------- Taskonomy
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


# ----------------------------------------------------------------------------- NYUv2
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


# ----------------------------------------------------------------------------- Cityscapes
def make_cityscapes_adashare(root):
    rng = np.random.default_rng(1)
    info = {'train': [], 'test': []}
    for split, count in (('train', 2), ('test', 1)):
        for i in range(count):
            rel = {k: f'{split}/{k}/{i}.npy' for k in ('image', 'depth', 'label_2', 'label_7', 'label_19')}
            depth = np.full((H, W, 1), 0.25, np.float32)
            depth[0, 0] = 0.0
            labels = {n: np.full((H, W), n - 1, np.float32) for n in (2, 7, 19)}
            for lab in labels.values():
                lab[0, 0] = -1.0
            _npy(os.path.join(root, rel['image']), rng.random((H, W, 3)).astype(np.float32))
            _npy(os.path.join(root, rel['depth']), depth)
            for n, lab in labels.items():
                _npy(os.path.join(root, rel[f'label_{n}']), lab)
            info[split].append([rel['image'], rel['depth'], rel['label_2'], rel['label_7'], rel['label_19']])
    with open(os.path.join(root, 'cityscape.json'), 'w') as f:
        json.dump(info, f)
    return info


def test_cityscapes_adashare_layout_and_class_variants(tmp_path):
    info = make_cityscapes_adashare(str(tmp_path))
    ds19 = Cityscapes(str(tmp_path))
    ds7 = Cityscapes(str(tmp_path), num_classes=7)
    assert len(ds19) == 2 and len(Cityscapes(str(tmp_path), split='test')) == 1
    s19, s7 = ds19[0], ds7[0]
    assert s19['seg'][0, 0] == 255 and s19['seg'][1, 1] == 18 and s19['seg'].dtype == np.int64
    assert s7['seg'][0, 0] == 255 and s7['seg'][1, 1] == 6
    assert len(ds19.metainfo['classes']) == 19 and len(ds7.metainfo['classes']) == 7
    img = np.load(tmp_path / info['train'][0][0])
    np.testing.assert_array_equal(s19['img'], np.rint(img * 255).astype(np.uint8))
    assert s19['depth'].shape == (H, W) and s19['depth'][0, 0] == 0.0 and s19['depth'][1, 1] == 0.25
    os.remove(tmp_path / info['train'][1][4])  # the 19-class file: the 7-class loader does not need it
    assert Cityscapes(str(tmp_path), num_classes=7)[1]['seg'][1, 1] == 6
    with pytest.raises(FileNotFoundError, match=r"label_19/1.npy' listed for sample 1 of split 'train'"):
        ds19[1]
    packed = Cityscapes(str(tmp_path), num_classes=7, pipeline=_pipeline())[0]
    assert packed['inputs'].shape == (3, 4, 6) and packed['inputs'].dtype == torch.float32
    assert packed['data_samples']['seg'].shape == (4, 6) and packed['data_samples']['depth'].shape == (1, 4, 6)


def test_cityscapes_libmtl_layout(tmp_path):
    make_mtan(str(tmp_path), normal=False, depth_channel=False)
    for split in ('train', 'val'):
        for f in (tmp_path / split / 'label').iterdir():
            lab = np.load(f)
            lab[lab > 6] = 6
            np.save(f, lab)
    ds = Cityscapes(str(tmp_path), layout='libmtl', tasks=['seg'])
    assert len(ds) == 2 and ds.metainfo['classes'][0] == 'flat'
    assert ds[0]['seg'][0, :4].tolist() == [255, 0, 6, 4] and 'depth' not in ds[0]
    assert Cityscapes(str(tmp_path), layout='libmtl', split='test')[0]['depth'][1, 1] == 1.5
    with pytest.raises(ValueError, match="num_classes=19 is not available in the 'libmtl' layout"):
        Cityscapes(str(tmp_path), layout='libmtl', num_classes=19)


def test_cityscapes_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?s)'.*nowhere' does not exist.*cityscape.json.*docs/datasets.md"):
        Cityscapes(str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match=r"(?s)cityscape.json' does not exist.*docs/datasets.md"):
        Cityscapes(str(tmp_path))
    with pytest.raises(ValueError, match='num_classes=2 is not available'):
        Cityscapes(str(tmp_path), num_classes=2)
    info = make_cityscapes_adashare(str(tmp_path))
    with pytest.raises(ValueError, match=r"unknown split 'val'.*\['test', 'train'\]"):
        Cityscapes(str(tmp_path), split='val')
    np.save(tmp_path / info['train'][0][3], np.zeros((H, W - 2), np.float32))
    with pytest.raises(ValueError, match=r"label_7/0.npy.*shape \(8, 6\).*image size 8x8"):
        Cityscapes(str(tmp_path), num_classes=7)[0]
    np.save(tmp_path / info['train'][1][4], np.full((H, W), 0.5, np.float32))
    with pytest.raises(ValueError, match=r"label_19/1.npy.*expected integer class values"):
        Cityscapes(str(tmp_path))[1]
    with open(tmp_path / 'cityscape.json', 'w') as f:
        json.dump({'train': [info['train'][0][:3]]}, f)
    with pytest.raises(ValueError, match=r'entry 0 of split .* expected a list of 5 relative paths'):
        Cityscapes(str(tmp_path))
