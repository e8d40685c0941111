import csv
import os

import numpy as np
import pytest

from mtlreg.datasets import OmniglotDataset, TaskConcatDataset, read_alphabets
from mtlreg.datasets.omniglot_dataset import load_omniglot_images, split_drawings
from tests.conftest import SHARED_DATA

# A fake tree: 'Alpha' (3 characters) in images_background.npz, 'Beta' (2) in images_evaluation.npz.
FAKE_ALPHABETS = [('Alpha', 'background', 'images_background.npz', 0, 3, 1),
                  ('Beta', 'evaluation', 'images_evaluation.npz', 0, 2, 4)]


def _drawing(char_row, drawer):
    """105x105 bool, True = background, with two 3x3 ink blocks on the 3x3 grid:
    block (0, drawer) and block (2 + char_row, 34)."""
    background = np.ones((105, 105), bool)
    background[0:3, 3 * drawer:3 * drawer + 3] = False
    background[3 * (2 + char_row):3 * (2 + char_row) + 3, 102:105] = False
    return background


def _fake_root(tmp_path):
    root = tmp_path / 'omniglot'
    root.mkdir()
    with open(root / 'alphabets.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['alphabet', 'set', 'npz_file', 'row_start', 'row_stop', 'n_characters',
                         'first_char_id', 'last_char_id'])
        for name, set_, npz, start, stop, first in FAKE_ALPHABETS:
            writer.writerow([name, set_, npz, start, stop, stop - start, first, first + stop - start - 1])
    for name, _, npz, start, stop, _ in FAKE_ALPHABETS:
        images = np.stack([np.stack([_drawing(r, d) for d in range(20)]) for r in range(start, stop)])
        if npz == 'images_background.npz':
            # Store True as the byte 255, as the released files do.
            images = np.where(images, 255, 0).astype(np.uint8).view(bool)
        labels = np.repeat(np.arange(stop - start)[:, None], 20, axis=1)
        np.savez_compressed(root / npz, images=images, labels=labels)
    return root


def _decode(img35):
    """(char_row, drawer) from a 35x35 image of _drawing."""
    drawers = np.flatnonzero(img35[0])
    rows = np.flatnonzero(img35[2:, 34])
    assert len(drawers) == 1 and len(rows) == 1
    return int(rows[0]), int(drawers[0])


def _drawers(dataset):
    out = {}
    for i in range(len(dataset)):
        char_row, drawer = _decode(dataset[i]['img'])
        assert dataset[i]['class'] == char_row  # labels follow the rows
        out.setdefault(char_row, []).append(drawer)
    return out


def test_read_alphabets(tmp_path):
    rows = read_alphabets(str(_fake_root(tmp_path)))
    assert [r['alphabet'] for r in rows] == ['Alpha', 'Beta']
    assert rows[1] == dict(alphabet='Beta', set='evaluation', npz_file='images_evaluation.npz', row_start=0,
                           row_stop=2, n_characters=2, first_char_id=4, last_char_id=5)


def test_splits_are_disjoint_cover_all_drawings_and_labels(tmp_path):
    root = str(_fake_root(tmp_path))
    for name, n_chars in (('Alpha', 3), ('Beta', 2)):
        parts = {s: _drawers(OmniglotDataset(root, name, s, image_size=35)) for s in ('train', 'val', 'test')}
        for split, size in (('train', 10), ('val', 4), ('test', 6)):
            assert sorted(parts[split]) == list(range(n_chars))
            assert all(len(d) == size for d in parts[split].values())
        for c in range(n_chars):
            assert sorted(parts['train'][c] + parts['val'][c] + parts['test'][c]) == list(range(20))
        ds = OmniglotDataset(root, name, 'val', label='task')
        assert sorted({ds[i]['task'] for i in range(len(ds))}) == list(range(n_chars))
        assert ds[0]['label_types'] == {'task': 'class'}
        assert ds.metainfo['classes'] == tuple(f'character{i:02d}' for i in range(1, n_chars + 1))


def test_split_is_fixed_and_follows_split_seed(tmp_path):
    root = str(_fake_root(tmp_path))
    first = _drawers(OmniglotDataset(root, 'Alpha', 'test', image_size=35))
    assert _drawers(OmniglotDataset(root, 'Alpha', 'test', image_size=35)) == first
    assert _drawers(OmniglotDataset(root, 'Alpha', 'test', image_size=35, split_seed=1)) != first
    # the global row (Omniglot id - 1) seeds each character: Alpha row 0 is global row 0
    assert first[0] == split_drawings(0)['test'].tolist()
    assert len({tuple(d) for d in first.values()}) > 1  # not one permutation for all characters
    assert [len(v) for v in split_drawings(7, (0.25, 0.25, 0.5), 3).values()] == [5, 5, 10]


def test_ink_is_bright_and_area_downsampling(tmp_path):
    root = str(_fake_root(tmp_path))
    for name in ('Alpha', 'Beta'):  # Alpha's file stores True as 255, Beta's as 1
        full = OmniglotDataset(root, name, 'train', image_size=None)[0]['img']
        assert full.dtype == np.uint8 and full.shape == (105, 105)
        assert set(np.unique(full)) == {0, 255} and np.count_nonzero(full) == 18
    # 35: every 3x3 block is one pixel, so each ink block gives one 255.
    sample = OmniglotDataset(root, 'Alpha', 'train', image_size=35)[0]
    expected = np.zeros((35, 35), np.uint8)
    char_row, drawer = _decode(sample['img'])
    expected[0, drawer] = expected[2 + char_row, 34] = 255
    np.testing.assert_array_equal(sample['img'], expected)
    # 28: windows [floor(3.75 i), ceil(3.75 (i + 1))). Character 0, drawer 0 has ink in rows 0-2 x cols 0-2
    # and rows 6-8 x cols 102-104. Pixel (0, 0) = rows 0-3 x cols 0-3: 255 * 9 / 16 = 143.4 -> 143.
    # Pixels (1, 27) and (2, 27) = rows 3-7 (7-11) x cols 101-104: 255 * 6 / 20 = 76.5 -> 77 (halves up).
    img = load_omniglot_images(os.path.join(root, 'images_background.npz'), 28)
    expected = np.zeros((28, 28), np.uint8)
    expected[0, 0], expected[1, 27], expected[2, 27] = 143, 77, 77
    np.testing.assert_array_equal(img[0, 0], expected)
    # the dataset serves the rows of that array (same sample order at every image_size)
    small, large = (OmniglotDataset(root, 'Alpha', 'val', image_size=s) for s in (28, 35))
    for i in range(len(small)):
        np.testing.assert_array_equal(small[i]['img'], img[_decode(large[i]['img'])])


def test_images_are_cached_per_file_and_mtime(tmp_path):
    path = os.path.join(_fake_root(tmp_path), 'images_evaluation.npz')
    first = load_omniglot_images(path, 28)
    assert load_omniglot_images(path, 28) is first and not first.flags.writeable
    assert load_omniglot_images(path, None) is not first
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = load_omniglot_images(path, 28)
    assert again is not first
    np.testing.assert_array_equal(again, first)


def test_alphabets_as_tasks(tmp_path):
    root = str(_fake_root(tmp_path))
    pipeline = [dict(type='PackMultiTaskInputs', mean=(0.5,), std=(0.5,))]
    concat = TaskConcatDataset(datasets={
        name: dict(type='OmniglotDataset', data_root=root, alphabet=name, split='val', label=name,
                   pipeline=pipeline) for name in ('Alpha', 'Beta')})
    ranges = concat.task_ranges()
    assert [len(r) for r in ranges.values()] == [12, 8]
    packed = concat[ranges['Beta'][0]]
    assert tuple(packed['inputs'].shape) == (1, 28, 28) and set(packed['data_samples']) == {'Beta'}


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'.*nowhere' lacks \['alphabets.csv'\].*docs/datasets/omniglot.md"):
        OmniglotDataset(str(tmp_path / 'nowhere'), 'Alpha')
    root = _fake_root(tmp_path)
    with pytest.raises(ValueError, match=r"unknown alphabet 'Klingon'.*\['Alpha', 'Beta'\]"):
        OmniglotDataset(str(root), 'Klingon')
    with pytest.raises(ValueError, match='split must be'):
        OmniglotDataset(str(root), 'Alpha', split='training')
    for fractions in ((0.5, 0.5), (0.6, 0.2, 0.3), (-0.1, 0.6, 0.5), (0.98, 0.01, 0.01), (0.5, 0.5, 0.0), 'abc'):
        with pytest.raises(ValueError, match='split_fractions'):
            OmniglotDataset(str(root), 'Alpha', split_fractions=fractions)
    with pytest.raises(ValueError, match='image_size'):
        OmniglotDataset(str(root), 'Alpha', image_size=0)
    os.remove(root / 'images_evaluation.npz')
    assert len(OmniglotDataset(str(root), 'Alpha')) == 30  # only the alphabet's own file is needed
    with pytest.raises(FileNotFoundError, match=r"lacks \['images_evaluation.npz'\].*docs/datasets/omniglot.md"):
        OmniglotDataset(str(root), 'Beta')


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED_DATA, 'omniglot')),
                    reason='the shared Omniglot copy (<repo>/../shared/data/omniglot) is not beside the repository')
def test_real_files():
    root = os.path.join(SHARED_DATA, 'omniglot')
    rows = read_alphabets(root)
    assert len(rows) == 50 and sum(r['n_characters'] for r in rows[:20]) == 642
    assert (rows[0]['alphabet'], rows[0]['n_characters']) == ('Arcadian', 26)
    sizes = {s: len(OmniglotDataset(root, 'Arcadian', s)) for s in ('train', 'val', 'test')}
    assert sizes == dict(train=260, val=104, test=156)
    test = OmniglotDataset(root, 'Arcadian', 'test')
    images = np.stack([test[i]['img'] for i in range(0, len(test), 6)])
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
    assert images.mean() < 128 and images.max() == 255  # ink bright on a dark background
    assert sorted({test[i]['class'] for i in range(len(test))}) == list(range(26))
