"""Higher-order approximation (Standley et al., ICML 2020, Sec. 4.3).

Only single-task and pairwise networks are trained. A task's score in a group
of three or more is estimated as the mean of its scores in the pairs it forms
with each other member of the group.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence

from .candidates import Group, canonical_group, task_subsets
from .selection import ScoreTable


def higher_order_estimates(tasks: Sequence[str], pair_table: ScoreTable, max_order: int | None = None
                           ) -> dict[Group, dict[str, float]]:
    """Scores of every group up to ``max_order``: measured for singles and pairs, estimated above.

    Args:
        tasks: all task names (their order fixes the order inside groups).
        pair_table: measured scores ``{group: {task: score}}`` of the singles and pairs.
        max_order: the largest group to estimate (default: all tasks).

    Raises:
        KeyError: if a single or a pair has not been measured.
    """
    tasks = list(tasks)
    measured = {canonical_group(g, tasks): dict(s) for g, s in pair_table.items() if len(g) <= 2}
    table: dict[Group, dict[str, float]] = {}
    for group in task_subsets(tasks, max_order):
        if len(group) <= 2:
            if group not in measured:
                raise KeyError(f'higher-order approximation: the network {"+".join(group)} has not been trained')
            table[group] = measured[group]
            continue
        # every pair is in the table already: task_subsets lists all pairs before any larger group
        table[group] = {task: statistics.fmean(table[canonical_group((task, other), tasks)][task]
                                               for other in group if other != task) for task in group}
    return table
