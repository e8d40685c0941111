"""Batches of one task each, the tasks visited in rotation."""
from __future__ import annotations

from typing import Iterator

import torch
from mmengine.dist import get_dist_info

from mtlreg.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class TaskRotationBatchSampler:
    """Yields batches of indices of one task at a time over a :class:`TaskConcatDataset`.

    Each task has its own stream of indices (reshuffled every pass over its
    data, seeded, split across ranks), so tasks of different sizes are visited
    equally often. A pass takes whole global batches (``batch_size`` × the
    number of ranks) of the shuffled order, rank r every world-th index from
    the r-th, so the ranks' batches of a step are disjoint and together are the
    batch one process with ``batch_size`` × world draws. In training
    (``infinite=True``) a round takes one batch of every task, in the dataset's
    task order or, with ``shuffle_tasks``, in a random order per round (the
    per-task batches of Maziarz et al., Sec. V).
    For evaluation (``infinite=False``) every sample is visited once, task by
    task.

    Args:
        sampler: the dataloader's sampler (gives the dataset and the seed).
        batch_size: samples per batch.
        infinite: train forever in rounds, or one pass for evaluation.
            Defaults to True.
        shuffle: shuffle each task's samples. Defaults to True.
        shuffle_tasks: visit the tasks in a random order every round.
            Defaults to False.
        seed: overrides the sampler's seed.
    """

    def __init__(self, sampler, batch_size: int, infinite: bool = True, shuffle: bool = True,
                 shuffle_tasks: bool = False, seed: int | None = None, drop_last: bool = False):
        self.sampler = sampler
        dataset = sampler.dataset
        if not hasattr(dataset, 'task_ranges'):
            raise TypeError('TaskRotationBatchSampler needs a dataset with per-task index ranges '
                            f'(TaskConcatDataset), got {type(dataset).__name__}')
        self.ranges = dataset.task_ranges()
        self.batch_size = batch_size
        self.infinite, self.shuffle, self.shuffle_tasks, self.drop_last = infinite, shuffle, shuffle_tasks, drop_last
        self.seed = seed if seed is not None else getattr(sampler, 'seed', 0) or 0
        self.rank, self.world_size = get_dist_info()

    def _task_stream(self, k: int, indices: range) -> Iterator[list[int]]:
        """Endless batches of one task, reshuffled every pass (seed, task and pass fix the order)."""
        epoch = 0
        while True:
            g = torch.Generator().manual_seed(self.seed + 1000003 * k + epoch)
            order = torch.randperm(len(indices), generator=g).tolist() if self.shuffle else list(range(len(indices)))
            # whole global batches only, so every rank has as many per pass as one process with the whole batch
            usable = len(order) // (self.batch_size * self.world_size) * self.batch_size * self.world_size
            mine = [indices[i] for i in order[:usable][self.rank::self.world_size]]
            for start in range(0, len(mine) - self.batch_size + 1, self.batch_size):
                yield mine[start:start + self.batch_size]
            epoch += 1

    def __iter__(self) -> Iterator[list[int]]:
        if not self.infinite:
            for indices in self.ranges.values():
                mine = list(indices)[self.rank::self.world_size]
                for start in range(0, len(mine), self.batch_size):
                    batch = mine[start:start + self.batch_size]
                    if len(batch) == self.batch_size or not self.drop_last:
                        yield batch
            return
        small = [t for t, r in self.ranges.items() if len(r) // self.world_size < self.batch_size]
        if small:
            raise ValueError(f'TaskRotationBatchSampler: tasks {small} have fewer samples per rank than '
                             f'batch_size={self.batch_size}')
        streams = [self._task_stream(k, r) for k, r in enumerate(self.ranges.values())]
        g = torch.Generator().manual_seed(self.seed)
        while True:
            order = torch.randperm(len(streams), generator=g).tolist() if self.shuffle_tasks else range(len(streams))
            for k in order:
                yield next(streams[k])

    def __len__(self) -> int:
        total = 0  # infinite: the batches of one pass over every task's data
        for r in self.ranges.values():
            if self.infinite:
                total += len(r) // (self.batch_size * self.world_size)
                continue
            n = len(range(self.rank, len(r), self.world_size))
            total += n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return total
