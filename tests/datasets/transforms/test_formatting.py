"""Normalising and packing a sample: shapes and dtypes per label kind, uint8 images normalised, keys and errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtlreg.datasets.transforms import NormalizeImage, PackMultiTaskInputs  # noqa: E402
from tests.datasets.transforms.scene_samples import make_scene  # noqa: E402


def test_normalize_image():
    img = np.full((2, 3, 3), 255, np.uint8)
    out = NormalizeImage(mean=(0.5, 0.5, 0.5), std=(0.5, 0.25, 0.5))({'img': img})['img']
    assert out.dtype == np.float32 and out.shape == (2, 3, 3)
    np.testing.assert_allclose(out[0, 0], [1.0, 2.0, 1.0])
    bgr = np.zeros((1, 1, 3), np.uint8)
    bgr[..., 0] = 255
    out = NormalizeImage(mean=0.0, std=1.0, to_rgb=True)({'img': bgr})['img']
    np.testing.assert_allclose(out[0, 0], [0.0, 0.0, 1.0])
    gray = NormalizeImage(mean=(0.5,), std=(0.5,))({'img': np.zeros((2, 2), np.uint8)})['img']
    assert gray.shape == (2, 2)
    np.testing.assert_allclose(gray, -1.0)
    gray = NormalizeImage(mean=(0.2, 0.4, 0.6), std=(0.5, 0.5, 0.5))({'img': np.zeros((2, 2), np.uint8)})['img']
    np.testing.assert_allclose(gray, -0.8, rtol=1e-6)  # averages of the three values
    with pytest.raises(ValueError, match='4 channels'):
        NormalizeImage()({'img': np.zeros((2, 2, 4), np.uint8)})
    with pytest.raises(ValueError, match='positive'):
        NormalizeImage(std=(0.0, 1.0, 1.0))


def test_pack_shapes_and_dtypes():
    sample = make_scene(6, 8)
    sample['edge'] = np.zeros((6, 8), np.float32)
    sample['label_types']['edge'] = 'dense'
    packed = PackMultiTaskInputs()(NormalizeImage()(sample))
    assert packed['inputs'].dtype == torch.float32 and packed['inputs'].shape == (3, 6, 8)
    ds = packed['data_samples']
    assert ds['seg'].dtype == torch.int64 and ds['seg'].shape == (6, 8)
    assert ds['depth'].dtype == torch.float32 and ds['depth'].shape == (1, 6, 8)
    assert ds['edge'].shape == (1, 6, 8)
    assert ds['normal'].dtype == torch.float32 and ds['normal'].shape == (3, 6, 8)
    torch.testing.assert_close(ds['normal'][:, 2, 5], torch.from_numpy(sample['normal'][2, 5]))
    assert ds['cls'].dtype == torch.int64 and ds['cls'].shape == () and int(ds['cls']) == 3
    gray = PackMultiTaskInputs()({'img': np.zeros((4, 5), np.uint8), 'label_types': {}})
    assert gray['inputs'].shape == (1, 4, 5) and gray['data_samples'] == {}


def test_pack_normalises_uint8_only():
    img = np.full((2, 2, 3), 255, np.uint8)
    packed = PackMultiTaskInputs()({'img': img})
    expected = (1.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(packed['inputs'][:, 0, 0].numpy(), expected, rtol=1e-5)
    via_normalize = PackMultiTaskInputs()(NormalizeImage()({'img': img}))
    torch.testing.assert_close(via_normalize['inputs'], packed['inputs'])
    raw = PackMultiTaskInputs(mean=None)({'img': img})
    assert raw['inputs'].dtype == torch.float32 and float(raw['inputs'].max()) == 255.0


def test_pack_keys_and_errors():
    sample = make_scene()
    packed = PackMultiTaskInputs(keys=['seg'])(sample)
    assert list(packed['data_samples']) == ['seg']
    with pytest.raises(KeyError, match='missing_task'):
        PackMultiTaskInputs(keys=['missing_task'])(make_scene())
    broken = make_scene()
    del broken['normal']
    with pytest.raises(KeyError, match='normal'):
        PackMultiTaskInputs()(broken)
    bad = make_scene()
    bad['label_types']['seg'] = 'mystery'
    with pytest.raises(ValueError, match='mystery'):
        PackMultiTaskInputs()(bad)


def test_vectors_and_values_are_packed_as_they_are():
    packed = PackMultiTaskInputs(mean=None)({'img': torch.arange(3.0).numpy(), 'y': torch.tensor([0.5]).numpy(),
                                            'label_types': {'y': 'value'}})
    assert torch.equal(packed['inputs'], torch.tensor([0.0, 1.0, 2.0]))
    assert packed['data_samples']['y'].dtype == torch.float32 and packed['data_samples']['y'].tolist() == [0.5]
