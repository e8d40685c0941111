"""The splits of the scenes: disjoint index ranges, train1 and train2 the two halves of train."""
from mtlreg.datasets.scenes import SPLITS, split_range


def test_splits_disjoint():
    ranges = {s: set(split_range(s)) for s in SPLITS}
    assert len(ranges['train']) == 2000 and len(ranges['val']) == 200 and len(ranges['test']) == 200
    assert ranges['train1'] | ranges['train2'] == ranges['train']
    assert not ranges['train1'] & ranges['train2']
    for a, b in [('train', 'val'), ('train', 'test'), ('val', 'test')]:
        assert not ranges[a] & ranges[b]
    assert split_range('val', {'train': 10, 'val': 4}) == range(10, 14)
