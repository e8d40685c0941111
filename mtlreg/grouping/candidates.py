"""Candidate networks of task grouping: one multi-task network per subset of tasks (Standley et al., 2020, Sec. 4)."""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

Group = tuple[str, ...]


def task_subsets(tasks: Sequence[str], max_order: int | None = None, min_order: int = 1) -> list[Group]:
    """Every subset of ``tasks`` with ``min_order`` to ``max_order`` members, in the order of ``tasks``.

    Singles first, then pairs, and so on; within an order, lexicographically by
    position. ``max_order=None`` means all tasks (2^n − 1 subsets in total).
    """
    tasks = list(tasks)
    if len(set(tasks)) != len(tasks):
        raise ValueError(f'task grouping: task names must be distinct, got {tasks}')
    max_order = len(tasks) if max_order is None else max_order
    if not 1 <= min_order <= max_order:
        raise ValueError(f'task grouping: expected 1 <= min_order <= max_order, got {min_order} and {max_order}')
    if max_order > len(tasks):
        raise ValueError(f'task grouping: max_order {max_order} exceeds the number of tasks ({len(tasks)})')
    return [group for order in range(min_order, max_order + 1) for group in itertools.combinations(tasks, order)]


def canonical_group(group: Iterable[str], tasks: Sequence[str]) -> Group:
    """``group`` as a tuple in the order of ``tasks``; unknown or repeated names are errors."""
    group = list(group)
    unknown = [t for t in group if t not in tasks]
    if unknown:
        raise KeyError(f'task grouping: unknown tasks {unknown}; the tasks are {list(tasks)}')
    if len(set(group)) != len(group) or not group:
        raise ValueError(f'task grouping: a group needs distinct tasks, got {group}')
    return tuple(t for t in tasks if t in group)


def group_name(group: Sequence[str]) -> str:
    """The directory and display name of a group: its tasks joined by ``+``."""
    return '+'.join(group)


def parse_group_name(name: str) -> Group:
    return tuple(name.split('+'))
