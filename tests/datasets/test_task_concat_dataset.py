"""Per-task datasets, built from their configs, concatenate into the task ranges of one dataset."""
import pytest

from mtlreg.datasets import HoldoutDataset


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
