"""Group scores from inter-task affinities (Fifty et al., NeurIPS 2021, Sec. 3.2: Task Affinity Grouping).

A task j in a group G scores the mean affinity onto it from the other members,
``S_j(G) = 1/(|G| − 1) · Σ_{i ∈ G, i ≠ j} Z_{i→j}``; the grouping maximises the total score of the
served tasks, each task served by the chosen network where it scores best (the same selection as
Standley et al.'s, :func:`mtlreg.grouping.branch_and_bound`). A task alone has no other member to gain
from or lose to: it scores 0, so a group serves it only where the others' steps lower its loss.
"""
from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence

from .candidates import Group, task_subsets


def affinity_group_scores(tasks: Sequence[str], affinity: Mapping[str, Mapping[str, float]],
                          max_order: int | None = None) -> dict[Group, dict[str, float]]:
    """``{group: {task: S_task(group)}}`` for every group of ``tasks`` up to ``max_order`` members.

    Args:
        tasks: the tasks to group (their order fixes the order inside groups).
        affinity: mean affinities ``{i: {j: Z_{i→j}}}``, e.g. from :func:`read_affinity`.
        max_order: the largest group (default: all tasks).

    Raises:
        KeyError: if a pair of the tasks has no affinity.
    """
    tasks = list(tasks)
    missing = [f'{i}→{j}' for i in tasks for j in tasks if i != j and j not in affinity.get(i, {})]
    if missing:
        raise KeyError(f'task affinity: no affinity measured for {missing}; it holds {sorted(affinity)}')
    return {group: {j: statistics.fmean(float(affinity[i][j]) for i in group if i != j) if len(group) > 1 else 0.0
                    for j in group}
            for group in task_subsets(tasks, max_order)}


def read_affinity(path: str) -> tuple[list[str], dict[str, dict[str, float]]]:
    """The tasks and the mean affinities ``{i: {j: Z_{i→j}}}`` of a saved ``task_affinity.json``."""
    try:
        with open(path) as f:
            record = json.load(f)
        tasks, affinity = list(record['tasks']), record['affinity']
    except FileNotFoundError as error:
        raise FileNotFoundError(f'task affinity: {path} not found (written by TaskAffinityHook)') from error
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f'task affinity: {path} is not a task-affinity file (tasks, affinity)') from error
    if not record.get('steps'):
        raise ValueError(f'task affinity: {path} holds no measured step')
    return tasks, affinity
