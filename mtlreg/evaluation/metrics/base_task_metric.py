"""Common base of the metrics that score one task of a multi-task model."""
from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

#: Inputs accepted by the static metric functions.
ArrayLike = Union[Tensor, np.ndarray]


class BaseTaskMetric(BaseMetric):
    """Accumulates per-sample sufficient statistics of one task and reduces them.

    Every sample handed to :meth:`process` is a dict with one entry per task,
    ``{task: {'pred': Tensor, 'gt': Tensor}}``. A subclass reads the entry of
    its own ``task``, turns it into a small dict of sufficient statistics with
    :meth:`compute_stats` (sums, counts, per-class areas, ...) and turns the
    statistics summed over the dataset into metric values with
    :meth:`metrics_from_stats`. Both are static, so that :meth:`calculate`
    scores tensors without building a metric; a subclass whose settings they
    need overrides :meth:`sample_stats` or :meth:`stats_to_metrics` to pass
    them on.

    One statistics dict is stored per sample (never per batch) so that
    MMEngine's ``collect_results`` can drop the samples a distributed sampler
    padded in; statistics are reduced to a few numbers each, so memory stays
    small.

    Args:
        task (str): Name of the task whose entry is read from each sample.
        prefix (str, optional): Prefix of the result keys. Defaults to
            ``task``, so results read ``'<task>/<name>'``.
        collect_device (str): Device used to gather results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        collect_dir (str, optional): Directory used to gather results when
            ``collect_device='cpu'``. Defaults to None.
    """

    #: Names of this metric's outputs for which a lower value is better.
    lower_is_better: frozenset[str] = frozenset()
    #: Statistics that are concatenated over samples instead of summed.
    _concat_keys: frozenset[str] = frozenset()

    def __init__(self,
                 task: str,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        if not isinstance(task, str) or not task:
            raise ValueError(f'{type(self).__name__} needs a non-empty task name, got {task!r}.')
        super().__init__(collect_device=collect_device, prefix=prefix or task,
                         collect_dir=collect_dir)
        self.task = task
        self._tasks_seen: set = set()

    @property
    @abstractmethod
    def metric_names(self) -> tuple[str, ...]:
        """tuple[str, ...]: Names of the outputs, without the prefix."""

    @staticmethod
    @abstractmethod
    def compute_stats(pred: ArrayLike, gt: ArrayLike) -> dict:
        """Computes the sufficient statistics of one or more samples.

        Subclasses may take their settings as further arguments.

        Args:
            pred (Tensor | np.ndarray): The prediction.
            gt (Tensor | np.ndarray): The ground truth.

        Returns:
            dict: Statistics that :meth:`reduce_stats` can reduce over samples.
        """

    @staticmethod
    @abstractmethod
    def metrics_from_stats(stats: dict) -> dict:
        """Computes the metric values from accumulated statistics.

        Subclasses may take their settings as further arguments.

        Args:
            stats (dict): Statistics of :meth:`compute_stats` reduced over
                samples.

        Returns:
            dict: Metric values keyed by :attr:`metric_names`; NaN where
            nothing was counted.
        """

    @classmethod
    def calculate(cls, pred: ArrayLike, gt: ArrayLike, *args: Any, **kwargs: Any) -> dict:
        """Computes the metrics of one or more samples in one call.

        Args:
            pred (Tensor | np.ndarray): The prediction.
            gt (Tensor | np.ndarray): The ground truth.
            *args (Any): Further positional arguments of :meth:`compute_stats`.
            **kwargs (Any): Further keyword arguments of :meth:`compute_stats`.

        Returns:
            dict: The metric values of :meth:`metrics_from_stats`.
        """
        return cls.metrics_from_stats(cls.compute_stats(pred, gt, *args, **kwargs))

    def sample_stats(self, pred: Tensor, gt: Tensor) -> dict:
        """Returns the sufficient statistics of one sample.

        Args:
            pred (Tensor): The prediction of the sample.
            gt (Tensor): The ground truth of the sample.

        Returns:
            dict: :meth:`compute_stats` of the sample.
        """
        return self.compute_stats(pred, gt)

    def stats_to_metrics(self, stats: dict) -> dict:
        """Turns statistics summed over the dataset into metric values.

        Args:
            stats (dict): The reduced statistics of all samples.

        Returns:
            dict: :meth:`metrics_from_stats` of the statistics.
        """
        return self.metrics_from_stats(stats)

    def get_pred_gt(self, sample: Mapping) -> tuple[Tensor, Tensor]:
        """Reads ``(pred, gt)`` of this metric's task from one sample.

        Args:
            sample (Mapping): One model output, ``{task: {'pred', 'gt'}}``.

        Returns:
            tuple[Tensor, Tensor]: The prediction and the ground truth.

        Raises:
            KeyError: If the sample has no entry for the task, or the entry
                lacks ``'pred'`` or ``'gt'``.
        """
        if not isinstance(sample, Mapping) or self.task not in sample:
            keys = sorted(sample.keys()) if isinstance(sample, Mapping) else type(sample).__name__
            raise KeyError(
                f'{type(self).__name__} evaluates task {self.task!r}, but the sample has no '
                f'entry {self.task!r}; its keys are {keys}. Check the task names of the '
                'metric and of the model outputs.')
        entry = sample[self.task]
        out = []
        for field in ('pred', 'gt'):
            if isinstance(entry, Mapping):
                value = entry.get(field)
            else:
                value = getattr(entry, field, None)
            if value is None:
                raise KeyError(f'The entry of task {self.task!r} has no {field!r}; a metric '
                               "needs {'pred': Tensor, 'gt': Tensor}.")
            out.append(torch.as_tensor(value))
        return out[0], out[1]

    def process(self, data_batch: Any, data_samples: Sequence[Mapping]) -> None:
        """Stores the sufficient statistics of every sample of a batch.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[Mapping]): The model outputs, one dict per
                sample as ``{task: {'pred': Tensor, 'gt': Tensor}}``.
        """
        for sample in data_samples:
            if isinstance(sample, Mapping) and self.task not in sample:
                # per-task batches: a sample of another task; remembered to name a misnamed task
                self._tasks_seen.update(sample)
                continue
            pred, gt = self.get_pred_gt(sample)
            try:
                stats = self.sample_stats(pred, gt)
            except ValueError as err:
                raise ValueError(f'{type(self).__name__} of task {self.task!r}: {err}') from err
            self.results.append(stats)

    def compute_metrics(self, results: list) -> dict:
        """Sums the per-sample statistics and computes the metrics.

        Args:
            results (list): One statistics dict per sample.

        Returns:
            dict: Metric values keyed by name (the prefix is added by
            :meth:`evaluate`). Every value is NaN when no sample was
            processed.
        """
        seen, self._tasks_seen = self._tasks_seen, set()
        if not results:
            if seen:
                raise KeyError(
                    f'{type(self).__name__} evaluates task {self.task!r}, but no sample carried it; the '
                    f'samples carried {sorted(seen)}. Check the task names of the metric and '
                    'of the model outputs.')
            return {name: math.nan for name in self.metric_names}
        return self.stats_to_metrics(self.reduce_stats(results, self._concat_keys))

    @staticmethod
    def reduce_stats(results: Sequence[dict], concat_keys: frozenset[str] = frozenset()) -> dict:
        """Sums statistics dicts key by key.

        Args:
            results (Sequence[dict]): Statistics dicts with equal keys; values
                are numbers or numpy arrays.
            concat_keys (frozenset[str]): Keys whose arrays are concatenated
                instead of summed.

        Returns:
            dict: The reduced statistics.

        Examples:
            >>> BaseTaskMetric.reduce_stats([{'n': 1, 'a': np.ones(2)}, {'n': 2, 'a': np.ones(2)}])
            {'n': 3, 'a': array([2., 2.])}
        """
        reduced = {}
        for key in results[0]:
            values = [r[key] for r in results]
            if key in concat_keys:
                reduced[key] = np.concatenate([np.asarray(v).ravel() for v in values])
            elif isinstance(values[0], np.ndarray):
                reduced[key] = np.sum(np.stack(values), axis=0)
            else:
                reduced[key] = sum(values)
        return reduced

    @staticmethod
    def averages(stats: Mapping, keys: Mapping[str, str], scale: float = 1.0) -> dict:
        """Divides accumulated statistics by the accumulated ``stats['count']``.

        Args:
            stats (Mapping): Reduced statistics holding ``'count'``.
            keys (Mapping[str, str]): Output name to the name of the statistic
                it averages, in output order.
            scale (float): Factor of every output, e.g. 100 for percent.
                Defaults to 1.

        Returns:
            dict: ``scale * stats[key] / stats['count']`` per output name;
            NaN for a zero count.

        Examples:
            >>> BaseTaskMetric.averages({'count': 4, 'n_ok': 3}, {'acc': 'n_ok'}, scale=100.0)
            {'acc': 75.0}
            >>> BaseTaskMetric.averages({'count': 0, 'sum': 0.0}, {'mean': 'sum'})
            {'mean': nan}
        """
        n = stats['count']
        return {name: scale * stats[key] / n if n else math.nan for name, key in keys.items()}

    @staticmethod
    def match_shapes(pred: Tensor, gt: Tensor, task: str = '') -> tuple[Tensor, Tensor]:
        """Returns ``pred`` and ``gt`` with equal shapes or raises ValueError.

        Shapes that differ only by dimensions of size one (e.g. ``[1, H, W]``
        and ``[H, W]``) are squeezed to match.

        Args:
            pred (Tensor): The prediction.
            gt (Tensor): The ground truth.
            task (str): Task name used in the error message.

        Returns:
            tuple[Tensor, Tensor]: The two tensors with the same shape.
        """
        if pred.shape == gt.shape:
            return pred, gt
        if pred.squeeze().shape == gt.squeeze().shape:
            return pred.squeeze(), gt.squeeze()
        where = f'Task {task!r}: p' if task else 'P'
        raise ValueError(f'{where}rediction of shape {tuple(pred.shape)} does not '
                         f'match ground truth of shape {tuple(gt.shape)}.')
