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


def test_holdout_parts_of_per_task_datasets_concatenate():
    from mtlreg.datasets import TaskConcatDataset
    base = dict(type='ScenesDataset', split='train', resolution=16, max_samples=20)
    concat = TaskConcatDataset(dict(a=dict(type='HoldoutDataset', dataset=base, fraction=0.25),
                                    b=dict(type='HoldoutDataset', dataset=base, fraction=0.25, part='rest')))
    assert concat.task_ranges() == {'a': range(0, 5), 'b': range(5, 20)}
    held = HoldoutDataset(base, fraction=0.25)
    assert concat[4]['sample_idx'] == held[4]['sample_idx']
    with pytest.raises(TypeError, match='datasets.b is a int'):
        TaskConcatDataset(dict(a=base, b=3))
