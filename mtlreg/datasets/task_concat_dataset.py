"""Several single-task datasets side by side, for training with per-task batches."""
from __future__ import annotations

from mmengine.dataset import ConcatDataset

from mtlreg.registry import DATASETS


@DATASETS.register_module()
class TaskConcatDataset(ConcatDataset):
    """One dataset per task, concatenated; each sample carries only its own task's label.

    Pair it with :class:`TaskRotationBatchSampler` so that every batch holds
    samples of one task, the tasks visited in rotation.

    Tasks have classes of their own, so the datasets' ``classes`` are not
    compared (MMEngine's ``ConcatDataset`` otherwise requires equal metainfo).

    Args:
        datasets: ``{task: dataset config or dataset}``, in the rotation order.
        ignore_keys: metainfo keys not compared. Defaults to ``['classes']``.
    """

    def __init__(self, datasets: dict, ignore_keys: str | list[str] | None = ('classes',), **kwargs):
        if not isinstance(datasets, dict) or not datasets:
            raise ValueError('TaskConcatDataset: datasets must be a non-empty dict {task: dataset config}')
        self.task_names = list(datasets)
        built = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets.values()]
        ignore_keys = [ignore_keys] if isinstance(ignore_keys, str) else list(ignore_keys or [])
        super().__init__(built, ignore_keys=ignore_keys, **kwargs)

    def task_ranges(self) -> dict[str, range]:
        """The index range of every task's samples."""
        starts = [0, *self.cumulative_sizes[:-1]]
        return {t: range(s, e) for t, s, e in zip(self.task_names, starts, self.cumulative_sizes)}
