import gzip
import os

import numpy as np
import pytest

from mtlreg.datasets import MNISTDataset
from mtlreg.datasets.mnist_dataset import read_idx
from tests.conftest import SHARED_DATA


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _fake_root(tmp_path, n=6):
    rng = np.random.default_rng(0)
    for prefix in ('train', 't10k'):
        _write_idx(tmp_path / f'{prefix}-images-idx3-ubyte.gz', rng.integers(0, 255, (n, 4, 4)))
        _write_idx(tmp_path / f'{prefix}-labels-idx1-ubyte.gz', np.arange(n) % 10)
    return tmp_path


def test_idx_round_trip_and_splits(tmp_path):
    root = _fake_root(tmp_path)
    images = read_idx(str(root / 'train-images-idx3-ubyte.gz'))
    assert images.shape == (6, 4, 4) and images.dtype == np.uint8
    train = MNISTDataset(str(root), 'train', num_train=4)
    val = MNISTDataset(str(root), 'val', num_train=4)
    assert len(train) == 4 and len(val) == 2
    sample = val[1]
    np.testing.assert_array_equal(sample['img'], images[5])
    assert sample['class'] == 5 and sample['label_types'] == {'class': 'class'}


def test_missing_files_name_the_data_root(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_root '.*nowhere' lacks \['train-images-idx3-ubyte.gz'"):
        MNISTDataset(str(tmp_path / 'nowhere'))
    with pytest.raises(ValueError, match='split must be'):
        MNISTDataset(str(_fake_root(tmp_path)), split='training')


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED_DATA, 'mnist')),
                    reason='the shared MNIST copy is not beside the repository')
@pytest.mark.parametrize('name', ['mnist', 'fashion_mnist'])
def test_real_files(name):
    test = MNISTDataset(os.path.join(SHARED_DATA, name), 'test')
    assert len(test) == 10000
    assert test[0]['img'].shape == (28, 28)
    assert sorted({test[i]['class'] for i in range(200)}) == list(range(10))


def test_rotation_turns_clockwise_and_exclusion_renumbers(tmp_path):
    root = _fake_root(tmp_path, n=12)
    images = read_idx(str(root / 'train-images-idx3-ubyte.gz'))
    turned = MNISTDataset(str(root), 'train', num_train=12, rotate=1)
    # clockwise: the first row of the rotated image is the first column read bottom-up
    np.testing.assert_array_equal(turned[0]['img'][0], images[0][::-1, 0])
    np.testing.assert_array_equal(turned[0]['img'][:, -1], images[0][0])
    without_3 = MNISTDataset(str(root), 'train', num_train=12, exclude_class=3)
    labels = [without_3[i]['class'] for i in range(len(without_3))]
    # labels 0..9, 0, 1 without the 3: 0 1 2 [3] 4 5 6 7 8 9 0 1 -> 0 1 2 3 4 5 6 7 8 0 1
    assert labels == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1]
    np.testing.assert_array_equal(without_3[3]['img'], images[4])
    assert without_3.metainfo['classes'] == ('0', '1', '2', '4', '5', '6', '7', '8', '9')
    with pytest.raises(ValueError, match='rotate must be'):
        MNISTDataset(str(root), rotate=90)
    with pytest.raises(ValueError, match='exclude_class must be'):
        MNISTDataset(str(root), exclude_class=10)


@pytest.mark.parametrize('damage', ['truncated', 'garbage', 'short'])
def test_an_unreadable_idx_file_is_named_by_its_path(tmp_path, damage):
    from mtlreg.utils.errors import DataError
    root = _fake_root(tmp_path)
    path = root / 'train-images-idx3-ubyte.gz'
    data = path.read_bytes()
    if damage == 'truncated':
        path.write_bytes(data[:len(data) // 2])
    elif damage == 'garbage':
        path.write_bytes(b'\x01\x02 not gzip at all')
    else:  # a valid gzip whose payload lacks values the header promises
        with gzip.open(path, 'wb') as f:
            f.write(bytes([0, 0, 8, 3]) + (9).to_bytes(4, 'big') + (4).to_bytes(4, 'big') * 2 + b'\x00' * 10)
    with pytest.raises(DataError, match=f'{path}: ') as info:
        MNISTDataset(str(root), 'train')
    assert info.value.doc == 'docs/datasets/mnist.md'
