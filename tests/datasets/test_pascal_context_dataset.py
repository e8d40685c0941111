"""The PASCAL-Context multi-task loader, read from a tiny fake PASCAL_MT tree: every label's decoding, errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtlreg.datasets import PascalContextDataset  # noqa: E402
from mtlreg.datasets.pascal_context_dataset import NORMAL_VALID_CONTEXT_CLASSES, boundaries_from_labels  # noqa: E402
from tests.datasets.fake_files import _fast, _pipeline  # noqa: E402
from tests.datasets.release_trees import PERSON, SKY, WALL, make_pascal_context, pascal_label_map  # noqa: E402

Pascal = _fast(PascalContextDataset)


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('pascal'))
    make_pascal_context(path)
    return path


def test_splits_and_metainfo(root):
    assert len(Pascal(root, split='train')) == 4 and len(Pascal(root, split='val')) == 2
    assert len(Pascal(root, split='test')) == 2  # the release's val split
    ds = Pascal(root, split='val')
    assert len(ds.metainfo['classes']) == 21 and len(ds.metainfo['part_classes']) == 7
    assert ds.metainfo['label_types'] == {'seg': 'segmentation', 'parts': 'segmentation', 'normal': 'normal',
                                          'sal': 'dense', 'edge': 'dense'}


def test_every_label_is_decoded_as_the_release_encodes_it(root):
    ds = Pascal(root, split='train')
    a, b = ds[0], ds[1]  # a: semseg from VOC12, a person with parts; b: semseg from pascal-context, no person
    assert a['img'].shape == (8, 8, 3) and a['img'].dtype == np.uint8
    assert a['seg'][0, :3].tolist() == [0, 20, 255] and a['seg'][1, 0] == 255 and a['seg'][5, 5] == 15
    assert b['seg'][0, :3].tolist() == [0, 20, 255]
    # parts: head (1) and left upper arm (3) of the person, the rest background; no person: all ignored
    assert a['parts'][4, 1] == 1 and a['parts'][5, 1] == 3
    assert (np.delete(a['parts'].ravel(), [4 * 8 + 1, 5 * 8 + 1]) == 0).all()
    assert (b['parts'] == 255).all()
    # normals (255, 255, 0) -> (1, 1, -1) where the class keeps normals (wall, person), zero vector on sky
    labels = pascal_label_map(8)
    assert WALL in NORMAL_VALID_CONTEXT_CLASSES and PERSON in NORMAL_VALID_CONTEXT_CLASSES
    assert SKY not in NORMAL_VALID_CONTEXT_CLASSES
    np.testing.assert_allclose(a['normal'][labels != SKY], np.tile([1.0, 1.0, -1.0], ((labels != SKY).sum(), 1)))
    assert (a['normal'][labels == SKY] == 0).all()
    # saliency: 200 / 255 > 0.5 salient, 127 / 255 not, 0 not
    assert a['sal'].dtype == np.float32 and a['sal'][0, 0] == 0 and a['sal'][0, 1] == 1 and a['sal'][0, 7] == 0
    np.testing.assert_array_equal(a['edge'], boundaries_from_labels(labels))
    assert a['edge'].dtype == np.float32 and a['edge'].sum() > 0


def test_boundaries_are_the_thinned_laplacian_of_the_label_map():
    labels = np.ones((5, 6), np.uint16)
    labels[:, 3:] = 2
    # the 4-neighbour Laplacian is non-zero on both sides of the change (columns 2 and 3); thinning keeps one
    expected = np.zeros((5, 6), np.float32)
    expected[1:, 2] = 1
    np.testing.assert_array_equal(boundaries_from_labels(labels), expected)
    assert not boundaries_from_labels(np.full((4, 4), 7)).any()


def test_kept_tasks_read_only_their_files_and_the_pipeline_packs_every_kind(root, tmp_path):
    ds = Pascal(root, split='train', tasks=['seg', 'sal'])
    assert set(ds[0]) >= {'seg', 'sal'} and 'edge' not in ds[0] and 'parts' not in ds[0]
    packed = Pascal(root, split='train', pipeline=_pipeline())[0]
    assert packed['inputs'].shape == (3, 4, 6)
    samples = packed['data_samples']
    assert samples['seg'].dtype == torch.int64 and samples['parts'].shape == (4, 6)
    assert samples['normal'].shape == (3, 4, 6) and samples['sal'].shape == (1, 4, 6)
    assert samples['edge'].shape == (1, 4, 6)


def test_missing_and_bad_files_are_named(root, tmp_path):
    with pytest.raises(FileNotFoundError, match='docs/datasets.md'):
        Pascal(str(tmp_path / 'nowhere'))
    with pytest.raises(ValueError, match="unknown split 'trainval'"):
        Pascal(root, split='trainval')
    with pytest.raises(ValueError, match='unknown tasks'):
        Pascal(root, tasks=['depth'])
    broken = tmp_path / 'broken'
    make_pascal_context(str(broken), splits=(('train', 1),))
    os.remove(broken / 'sal_distill' / '2008_train00.png')
    with pytest.raises(FileNotFoundError, match='sal_distill'):
        Pascal(str(broken), tasks=['sal'])[0]
    (broken / 'human_parts' / '2008_train00.mat').write_bytes(b'not a mat file')
    with pytest.raises(ValueError, match='human_parts'):
        Pascal(str(broken), tasks=['parts'])[0]
