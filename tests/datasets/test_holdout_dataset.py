"""HoldoutDataset: a fixed random part of a dataset and its complement."""
import pytest

from mtlreg.datasets import HoldoutDataset


def test_holdout_parts_are_disjoint_fixed_and_cover_the_dataset():
    base = dict(type='ScenesDataset', split='train', resolution=16, max_samples=20)
    held = HoldoutDataset(base, fraction=0.25, part='holdout', seed=3)
    rest = HoldoutDataset(base, fraction=0.25, part='rest', seed=3)
    assert len(held) == 5 and len(rest) == 15
    assert sorted(held.indices + rest.indices) == list(range(20))
    assert held.indices == HoldoutDataset(base, fraction=0.25, seed=3).indices
    assert held.indices != HoldoutDataset(base, fraction=0.25, seed=4).indices
    assert held[0]['sample_idx'] == held.indices[0]
    with pytest.raises(ValueError, match='fraction must lie in'):
        HoldoutDataset(base, fraction=1.0)
