"""The DomainNet loader, read from a tiny fake tree of the official split lists: labels, class names, errors."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mtlreg.datasets import DomainNetDataset  # noqa: E402
from mtlreg.datasets.domainnet_dataset import read_split_file  # noqa: E402
from tests.datasets.fake_files import _fast  # noqa: E402
from tests.datasets.release_trees import make_domainnet  # noqa: E402

DomainNet = _fast(DomainNetDataset)


def test_a_domain_reads_its_split_list_with_the_stored_labels(tmp_path):
    make_domainnet(str(tmp_path), domains=('clipart', 'sketch'))
    ds = DomainNet(str(tmp_path), domain='clipart', split='train')
    assert len(ds) == 6 and len(DomainNet(str(tmp_path), domain='clipart', split='test')) == 3
    s = ds[2]
    assert s['clipart'] == 327 and s['label_types'] == {'clipart': 'class'}
    assert s['img'].shape == (12, 12, 3) and s['img'].dtype == np.uint8
    assert s['img_path'].endswith('clipart/t-shirt/clipart_328_train000000.jpg')
    classes = ds.metainfo['classes']
    assert len(classes) == 345 and classes[0] == 'aircraft_carrier' and classes[327] == 't-shirt'
    assert classes[1] == 'class1'  # not listed in this tree
    assert DomainNet(str(tmp_path), domain='sketch', label='task_sketch')[0]['task_sketch'] == 0


def test_bad_input_is_named(tmp_path):
    make_domainnet(str(tmp_path), domains=('real',))
    with pytest.raises(ValueError, match="unknown domain 'photo'"):
        DomainNet(str(tmp_path), domain='photo')
    with pytest.raises(ValueError, match="unknown split 'val'"):
        DomainNet(str(tmp_path), domain='real', split='val')
    with pytest.raises(FileNotFoundError, match='painting_train.txt'):
        DomainNet(str(tmp_path), domain='painting')
    bad = tmp_path / 'real_test.txt'
    bad.write_text('real/zigzag/a.jpg 3.5\n')
    with pytest.raises(ValueError, match='line 1'):
        DomainNet(str(tmp_path), domain='real', split='test')
    bad.write_text('real/zigzag/a.jpg 345\n')
    with pytest.raises(ValueError, match='345 classes'):
        DomainNet(str(tmp_path), domain='real', split='test')
    bad.write_text('\nreal/zigzag/missing.jpg 344\n')
    assert read_split_file(str(bad)) == [('real/zigzag/missing.jpg', 344)]
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        DomainNet(str(tmp_path), domain='real', split='test')[0]
