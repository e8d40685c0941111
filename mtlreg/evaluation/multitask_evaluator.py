"""Evaluator that builds one metric per task and reports the multi-task Δ."""
from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.logging import print_log

from mtlreg.registry import EVALUATOR, METRICS
from .delta import delta_per_task

MetricCfg = Union[dict, BaseMetric]


@EVALUATOR.register_module()
class MultiTaskEvaluator(Evaluator):
    """Evaluates every task of a multi-task model and computes Δ_T.

    Metrics come from two places, which may be combined:

    * ``tasks``: the config's task dict, ``{name: dict(metric=..., ...)}``.
      Each task's ``'metric'`` (a metric config without ``task``, or a list
      of them) is built with ``task=<name>``; ``None`` means the task is not
      evaluated. Other keys of a task (``head``, ``loss``, ``weight``, ...)
      are ignored.
    * ``metrics``: metric configs or objects, as for MMEngine's
      :class:`~mmengine.evaluator.Evaluator`.

    Results are keyed ``'<task>/<metric>'``. With ``single_task_reference``
    the evaluator also returns ``'delta/<task>'`` (Δ_Ti) for every task of
    the reference and ``'delta/mean'`` (Δ_T, their mean), the measure of
    Maninis et al. 2019 as defined in the survey of Vandenhende et al. 2021
    (see :mod:`mtlreg.evaluation.delta`). The direction of each metric comes
    from the ``lower_is_better`` attribute of its metric class.

    Args:
        metrics (dict | BaseMetric | Sequence, optional): Extra metrics.
        tasks (Mapping[str, Mapping], optional): Task name to task config
            holding ``'metric'``.
        single_task_reference (Mapping[str, Mapping[str, float]], optional):
            ``{task: {metric_name: value}}`` of single-task baselines, e.g.
            ``{'seg': {'mIoU': 40.1}, 'depth': {'abs_err': 0.61}}``.
        average_metrics (Sequence[str], optional): metric names (without
            the task) to average over the tasks that report them, as
            ``'mean/<name>'``: e.g. ``['accuracy']`` gives the mean accuracy of
            many classification tasks (Maziarz et al. select checkpoints by
            it).

    Raises:
        KeyError: If the reference names a task no metric evaluates, or a
            metric name that metric does not output.
        ValueError: If a metric config names a different task than its task
            entry, or a reference value is not a non-zero number.
    """

    def __init__(self,
                 metrics: Optional[Union[MetricCfg, Sequence[MetricCfg]]] = None,
                 tasks: Optional[Mapping[str, Mapping]] = None,
                 single_task_reference: Optional[Mapping[str, Mapping[str, float]]] = None,
                 average_metrics: Optional[Sequence[str]] = None) -> None:
        built = [self._build(m) for m in self._as_list(metrics)]
        for task_name, task_cfg in (tasks or {}).items():
            if not isinstance(task_cfg, Mapping):
                raise TypeError(f'The config of task {task_name!r} must be a dict, got '
                                f'{type(task_cfg).__name__}.')
            if 'metric' not in task_cfg:
                print_log(f'Task {task_name!r} has no "metric" entry and is not evaluated; '
                          'set metric=None to silence this warning.',
                          logger='current', level=logging.WARNING)
            for cfg in self._as_list(task_cfg.get('metric')):
                built.append(self._build(cfg, task_name))
        super().__init__(built)
        self.single_task_reference = self._check_reference(single_task_reference)
        if isinstance(average_metrics, str):
            raise TypeError(f'MultiTaskEvaluator.average_metrics: expected a list of metric names, '
                            f'got the string {average_metrics!r}')
        self.average_metrics = list(average_metrics or [])

    @staticmethod
    def _as_list(value: Any) -> list:
        """Returns ``value`` as a list (``None`` gives an empty one)."""
        if value is None:
            return []
        if isinstance(value, (dict, BaseMetric)) or not isinstance(value, Sequence):
            return [value]
        return list(value)

    @staticmethod
    def _build(cfg: MetricCfg, task: Optional[str] = None) -> BaseMetric:
        """Builds a metric from ``METRICS``, adding ``task`` to its config."""
        if isinstance(cfg, Mapping):
            cfg = dict(cfg)
            if task is not None:
                if cfg.setdefault('task', task) != task:
                    raise ValueError(f'The metric of task {task!r} names task {cfg["task"]!r}; '
                                     'leave "task" out of a task\'s metric config.')
            return METRICS.build(cfg)
        if task is not None and getattr(cfg, 'task', task) != task:
            raise ValueError(f'The metric object given for task {task!r} evaluates task '
                             f'{cfg.task!r}.')
        return cfg

    def _check_reference(self, reference: Optional[Mapping]) -> dict:
        """Validates the single-task reference against the built metrics."""
        if not reference:
            return {}
        # task -> names its metrics output; None where a metric does not declare them.
        names: dict[str, Optional[set]] = {}
        for metric in self.metrics:
            task = getattr(metric, 'task', None)
            if task is None:
                continue
            known = getattr(metric, 'metric_names', None)
            if known is None or names.get(task, set()) is None:
                names[task] = None
            else:
                names.setdefault(task, set()).update(known)
        checked = {}
        for task, ref in reference.items():
            if task not in names:
                raise KeyError(f'single_task_reference names task {task!r}, but no metric evaluates '
                               f'it; tasks with a metric: {sorted(names)}.')
            if not isinstance(ref, Mapping) or not ref:
                raise ValueError(f'single_task_reference[{task!r}] must be a non-empty dict '
                                 f'{{metric_name: value}}, got {ref!r}.')
            for name, value in ref.items():
                if names[task] is not None and name not in names[task]:
                    raise KeyError(f'single_task_reference names metric {name!r} for task {task!r}, '
                                   f'but its metrics output only {sorted(names[task])}.')
                if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                        or value == 0 or not math.isfinite(value):
                    raise ValueError(f'single_task_reference[{task!r}][{name!r}] must be a finite '
                                     f'non-zero number, got {value!r}.')
            checked[task] = dict(ref)
        return checked

    @property
    def lower_is_better_keys(self) -> frozenset[str]:
        """frozenset[str]: Result keys (``'<prefix>/<name>'``) where lower is better."""
        return frozenset(f'{m.prefix}/{name}' if m.prefix else name
                         for m in self.metrics for name in getattr(m, 'lower_is_better', ()))

    def evaluate(self, size: int) -> dict:
        """Evaluates every metric and adds Δ_Ti and Δ_T.

        Runs each metric's ``evaluate`` as the base evaluator does (checking
        that no two metrics return the same key), keeping track of which task
        each value belongs to, then computes Δ when a reference is set.

        Args:
            size (int): Length of the whole validation dataset.

        Returns:
            dict: ``'<task>/<metric>'`` values and, with a reference,
            ``'delta/<task>'`` for each reference task and ``'delta/mean'``;
            ``'mean/<name>'`` for each of ``average_metrics``.
        """
        results: dict = {}
        per_task: dict[str, dict] = {}
        lower: dict[str, set] = {}
        for metric in self.metrics:
            metric_results = metric.evaluate(size)
            for key in metric_results:
                if key in results:
                    raise ValueError(f'Several metrics return the key {key!r}; give them '
                                     'different prefixes.')
            results.update(metric_results)
            task = getattr(metric, 'task', None)
            if task is None:
                continue
            head = f'{metric.prefix}/' if metric.prefix else ''
            values = per_task.setdefault(task, {})
            for key, value in metric_results.items():
                values[key[len(head):] if head and key.startswith(head) else key] = value
            lower.setdefault(task, set()).update(getattr(metric, 'lower_is_better', ()))

        if self.single_task_reference:
            deltas = delta_per_task(per_task, self.single_task_reference, lower)
            extra = {f'delta/{task}': value for task, value in deltas.items()}
            extra['delta/mean'] = sum(deltas.values()) / len(deltas)
            clash = sorted(set(extra) & set(results))
            if clash:
                raise ValueError(f'Metric keys {clash} collide with the Δ keys; rename the task '
                                 'or the metric prefix.')
            results.update(extra)
        for name in self.average_metrics:
            values = [v[name] for v in per_task.values() if name in v]
            if not values:
                raise KeyError(f'MultiTaskEvaluator.average_metrics: no task reports {name!r}; the tasks report '
                               f'{sorted({k for v in per_task.values() for k in v})}')
            results[f'mean/{name}'] = sum(values) / len(values)
        return results
