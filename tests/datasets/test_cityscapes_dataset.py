"""The Cityscapes loader, read from tiny fake trees of the AdaShare and LibMTL releases: class variants, errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtlreg.datasets import CityscapesDataset  # noqa: E402
from tests.datasets.fake_files import H, W, _fast, _npy, _pipeline, make_mtan  # noqa: E402

Cityscapes = _fast(CityscapesDataset)


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
