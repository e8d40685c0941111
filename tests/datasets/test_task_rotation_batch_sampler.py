import pytest
from mmengine.dataset import BaseDataset, DefaultSampler, InfiniteSampler

from mtlreg.datasets import TaskConcatDataset, TaskRotationBatchSampler


class _Tiny(BaseDataset):
    """A minimal dataset of ``n`` samples labelled for one task."""

    def __init__(self, n, label):
        self.n, self.label = n, label
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [{self.label: i} for i in range(self.n)]


def _dataset():
    return TaskConcatDataset(dict(a=_Tiny(10, 'a'), b=_Tiny(4, 'b')), lazy_init=False)


def test_training_batches_hold_one_task_each_in_rotation():
    dataset = _dataset()
    assert dataset.task_ranges() == {'a': range(0, 10), 'b': range(10, 14)}
    sampler = TaskRotationBatchSampler(InfiniteSampler(dataset, seed=3), batch_size=2)
    it = iter(sampler)
    batches = [next(it) for _ in range(12)]
    for i, batch in enumerate(batches):
        task_range = range(0, 10) if i % 2 == 0 else range(10, 14)
        assert len(batch) == 2 and all(j in task_range for j in batch)
    # the small task's samples are all seen every two of its batches (one pass), reshuffled per pass
    b_batches = batches[1::2]
    assert sorted(b_batches[0] + b_batches[1]) == [10, 11, 12, 13]
    # deterministic under the seed
    again = iter(TaskRotationBatchSampler(InfiniteSampler(dataset, seed=3), batch_size=2))
    assert [next(again) for _ in range(12)] == batches


def test_shuffled_task_order_still_takes_one_batch_per_task_per_round():
    sampler = TaskRotationBatchSampler(InfiniteSampler(_dataset(), seed=0), batch_size=2, shuffle_tasks=True)
    it = iter(sampler)
    for _ in range(5):
        round_ = [next(it), next(it)]
        assert sorted(b[0] >= 10 for b in round_) == [False, True]


def test_evaluation_visits_every_sample_once():
    sampler = TaskRotationBatchSampler(DefaultSampler(_dataset(), shuffle=False), batch_size=3, infinite=False)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 4 + 2
    assert sorted(j for b in batches for j in b) == list(range(14))
    assert all(max(b) < 10 or min(b) >= 10 for b in batches)


def test_errors_name_the_problem():
    with pytest.raises(TypeError, match='TaskConcatDataset'):
        TaskRotationBatchSampler(InfiniteSampler(_Tiny(4, 'a')), batch_size=2)
    with pytest.raises(ValueError, match=r"tasks \['b'\] have fewer samples"):
        next(iter(TaskRotationBatchSampler(InfiniteSampler(_dataset()), batch_size=5)))
    with pytest.raises(ValueError, match='non-empty dict'):
        TaskConcatDataset({})

