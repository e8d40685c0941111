"""Multi-task performance Δ relative to single-task baselines.

The measure is the one of Maninis et al. 2019 ("Attentive Single-Tasking of
Multiple Tasks", CVPR) as written in the survey of Vandenhende et al. 2021
("Multi-Task Learning for Dense Prediction Tasks: A Survey", TPAMI):

.. math::

    \\Delta_{T_i} = \\frac{100}{|M_i|} \\sum_{j=1}^{|M_i|}
        (-1)^{l_j} \\frac{M_{i,j} - M^{single}_{i,j}}{M^{single}_{i,j}},
    \\qquad
    \\Delta_T = \\frac{1}{T} \\sum_{i=1}^{T} \\Delta_{T_i},

with ``l_j = 1`` when a lower value of metric ``j`` is better and ``0``
otherwise. Δ is in percent and positive when the multi-task model beats the
single-task reference.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ['delta_per_task', 'delta_mt']


def _task_values(results: Mapping, task: str) -> dict:
    """Returns ``{metric: value}`` of one task from nested or flat results."""
    nested = results.get(task)
    if isinstance(nested, Mapping):
        return dict(nested)
    prefix = f'{task}/'
    return {
        key[len(prefix):]: value
        for key, value in results.items() if isinstance(key, str) and key.startswith(prefix)
    }


def delta_per_task(results: Mapping,
                   reference: Mapping[str, Mapping[str, float]],
                   lower_is_better: Mapping[str, Iterable[str]]) -> dict[str, float]:
    """Computes Δ_Ti, the mean relative gain over the single-task reference.

    Args:
        results (Mapping): The multi-task model's metrics, either nested as
            ``{task: {metric: value}}`` or flat as ``{'<task>/<metric>':
            value}`` (the keys an MMEngine evaluator returns).
        reference (Mapping[str, Mapping[str, float]]): The single-task
            baselines ``{task: {metric: value}}``; every metric it names for a
            task enters that task's Δ, and only those.
        lower_is_better (Mapping[str, Iterable[str]]): For each task, the
            names of its metrics where lower is better; a task or metric not
            listed counts as higher-is-better.

    Returns:
        dict[str, float]: ``{task: Δ_Ti}`` in percent for every task of
        ``reference``.

    Raises:
        KeyError: If the results lack a task or a metric named in the
            reference; the message lists what is available.
        ValueError: If a reference names no metric for a task or holds a
            zero value.

    Examples:
        >>> results = {'seg/mIoU': 44.0, 'depth/abs_err': 0.45}
        >>> reference = {'seg': {'mIoU': 40.0}, 'depth': {'abs_err': 0.5}}
        >>> deltas = delta_per_task(results, reference, {'depth': {'abs_err'}})
        >>> {task: round(value, 6) for task, value in deltas.items()}
        {'seg': 10.0, 'depth': 10.0}
    """
    deltas = {}
    for task, ref_metrics in reference.items():
        if not ref_metrics:
            raise ValueError(f'The single-task reference of task {task!r} names no metric.')
        values = _task_values(results, task)
        if not values:
            tasks = sorted({k.split('/', 1)[0] if isinstance(k, str) else k for k in results})
            raise KeyError(f'The single-task reference names task {task!r}, but the results hold '
                           f'no metric of it; tasks with results: {tasks}.')
        lower = set(lower_is_better.get(task, ()))
        total = 0.0
        for name, ref in ref_metrics.items():
            if name not in values:
                raise KeyError(f'The single-task reference names metric {name!r} for task {task!r}, '
                               f'but the results of {task!r} hold only {sorted(values)}.')
            ref = float(ref)
            if ref == 0:
                raise ValueError(f'The single-task reference of {task}/{name} is 0; Δ divides by it.')
            sign = -1.0 if name in lower else 1.0
            total += sign * (float(values[name]) - ref) / ref
        deltas[task] = 100.0 * total / len(ref_metrics)
    return deltas


def delta_mt(results: Mapping,
             reference: Mapping[str, Mapping[str, float]],
             lower_is_better: Mapping[str, Iterable[str]]) -> float:
    """Computes Δ_T, the mean of Δ_Ti over the tasks of the reference.

    Args:
        results (Mapping): The multi-task metrics, nested or flat as in
            :func:`delta_per_task`.
        reference (Mapping[str, Mapping[str, float]]): The single-task
            baselines ``{task: {metric: value}}``.
        lower_is_better (Mapping[str, Iterable[str]]): Lower-is-better metric
            names per task.

    Returns:
        float: Δ_T in percent (NaN for an empty reference).

    Examples:
        >>> results = {'seg': {'mIoU': 44.0}, 'depth': {'abs_err': 0.6}}
        >>> reference = {'seg': {'mIoU': 40.0}, 'depth': {'abs_err': 0.5}}
        >>> round(delta_mt(results, reference, {'depth': ['abs_err']}), 6)  # (10 - 20) / 2
        -5.0
    """
    deltas = delta_per_task(results, reference, lower_is_better)
    return sum(deltas.values()) / len(deltas) if deltas else math.nan
