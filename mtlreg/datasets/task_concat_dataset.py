"""Several single-task datasets side by side, for training with per-task batches."""
from __future__ import annotations

from mmengine.dataset import ConcatDataset
from torch.utils.data import ConcatDataset as TorchConcatDataset

from mtlreg.registry import DATASETS


@DATASETS.register_module()
class TaskConcatDataset(ConcatDataset):
    """One dataset per task, concatenated; each sample carries only its own task's label.

    Pair it with :class:`TaskRotationBatchSampler` so that every batch holds
    samples of one task, the tasks visited in rotation.

    Tasks have labels and classes of their own, so the datasets' metainfo is not compared (the
    first dataset's is this one's). Any dataset can be a member, wrappers such as
    :class:`HoldoutDataset` included (MMEngine's ``ConcatDataset`` takes ``BaseDataset`` only).

    Args:
        datasets: ``{task: dataset config or dataset}``, in the rotation order.
        ignore_keys: accepted for configs written for MMEngine's ``ConcatDataset``, and ignored: the
            members' metainfo is not compared (each task has its own).
        lazy_init: build the index later (``full_init``). Defaults to False.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(datasets=dict(
        a=dict(type='SyntheticRegressionDataset', task_index=0, groups=(0, 1), num_samples=2, dim=8, label='a',
               pipeline=[dict(type='PackMultiTaskInputs')]),
        b=dict(type='SyntheticRegressionDataset', task_index=1, groups=(0, 1), num_samples=2, dim=8, label='b',
               pipeline=[dict(type='PackMultiTaskInputs')])))

    def __init__(self, datasets: dict, ignore_keys: str | list[str] | None = ('classes',), lazy_init: bool = False):
        if not isinstance(datasets, dict) or not datasets:
            raise ValueError('TaskConcatDataset: datasets must be a non-empty dict {task: dataset config}')
        self.task_names = list(datasets)
        self.datasets = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets.values()]
        for task, dataset in zip(self.task_names, self.datasets):
            if not all(hasattr(dataset, attr) for attr in ('__len__', '__getitem__', 'metainfo')):
                raise TypeError(f'TaskConcatDataset: datasets.{task} is a {type(dataset).__name__}; expected a '
                                'dataset config or a dataset with __len__, __getitem__ and metainfo')
        self._metainfo = self.datasets[0].metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        """Initialise every member (those that need it) and index them."""
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            if callable(getattr(dataset, 'full_init', None)):
                dataset.full_init()
        TorchConcatDataset.__init__(self, self.datasets)
        self._fully_initialized = True

    def task_ranges(self) -> dict[str, range]:
        """The index range of every task's samples."""
        starts = [0, *self.cumulative_sizes[:-1]]
        return {t: range(s, e) for t, s, e in zip(self.task_names, starts, self.cumulative_sizes)}
