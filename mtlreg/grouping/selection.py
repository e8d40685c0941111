"""Choosing networks under an inference budget (Standley et al., ICML 2020, Sec. 4: the "optimal solution").

Given for every candidate network (a group of tasks) a per-task score and a
cost, choose networks that cover every task with total cost ≤ budget; each
task is served by the chosen network where it scores best. The objective is
the sum of the tasks' scores (higher is better; negate losses). Solved
exactly by branch-and-bound; :func:`brute_force_selection` enumerates every
assignment of tasks to networks and is the reference for tests and small
problems.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .candidates import Group

ScoreTable = Mapping[Group, Mapping[str, float]]


@dataclass
class Selection:
    """Chosen networks, the network serving each task, and the total score and cost."""

    networks: list[Group]
    assignment: dict[str, Group]
    score: float
    cost: float
    scores: dict[str, float] = field(default_factory=dict)

    def mean_score(self) -> float:
        return self.score / len(self.assignment)

    def to_dict(self) -> dict:
        return {'networks': [list(n) for n in self.networks],
                'assignment': {t: list(n) for t, n in self.assignment.items()},
                'score': self.score, 'mean_score': self.mean_score(), 'cost': self.cost,
                'scores': dict(self.scores)}


def _check(tasks: Sequence[str], table: ScoreTable, costs: Mapping[Group, float], budget: float) -> None:
    if not tasks:
        raise ValueError('task grouping: no tasks to cover')
    for group, scores in table.items():
        if group not in costs:
            raise KeyError(f'task grouping: no cost for the network {"+".join(group)}')
        if costs[group] < 0 or not math.isfinite(costs[group]):
            raise ValueError(f'task grouping: the cost of {"+".join(group)} must be finite and >= 0, '
                             f'got {costs[group]}')
        missing = [t for t in group if t not in scores]
        if missing:
            raise KeyError(f'task grouping: the network {"+".join(group)} has no score for {missing}')
        bad = [t for t in group if not math.isfinite(scores[t])]
        if bad:
            raise ValueError(f'task grouping: the network {"+".join(group)} has non-finite scores for {bad}')
    uncovered = [t for t in tasks if not any(t in g for g in table)]
    if uncovered:
        raise ValueError(f'task grouping: no candidate network contains the tasks {uncovered}')
    if not math.isfinite(budget) and budget != math.inf:
        raise ValueError(f'task grouping: budget must be a number, got {budget}')


def make_selection(networks: Sequence[Group], tasks: Sequence[str], table: ScoreTable,
                   costs: Mapping[Group, float]) -> Selection:
    """Serve each task by the chosen network where it scores best (ties: the cheaper, then the earlier)."""
    assignment, scores = {}, {}
    for task in tasks:
        options = [n for n in networks if task in n]
        if not options:
            raise ValueError(f'task grouping: no chosen network contains the task {task!r}')
        best = max(options, key=lambda n: (table[n][task], -costs[n]))
        assignment[task], scores[task] = best, table[best][task]
    used = [n for n in networks if n in assignment.values()]
    return Selection(networks=used, assignment=assignment, score=sum(scores.values()),
                     cost=sum(costs[n] for n in used), scores=scores)


def _infeasible(tasks, table, costs, budget) -> ValueError:
    cheapest = brute_force_selection(tasks, table, costs, math.inf, objective='cost')
    return ValueError(f'task grouping: budget {budget:g} is below the cheapest cover of all tasks '
                      f'({cheapest.cost:g}: {["+".join(n) for n in cheapest.networks]})')


def branch_and_bound(tasks: Sequence[str], table: ScoreTable, costs: Mapping[Group, float],
                     budget: float = math.inf) -> Selection:
    """The best set of networks within ``budget``: maximum total score, then minimum cost.

    Depth-first over the candidates (include or leave out each in turn). A
    branch is cut when even the best remaining candidates that still fit the
    budget cannot beat the best selection found, when some task can no longer
    be covered, or when a network would improve no task. Exact: returns a
    selection of the same score as :func:`brute_force_selection`.

    Raises:
        ValueError: if no selection of networks within the budget covers every task.
    """
    tasks = list(tasks)
    _check(tasks, table, costs, budget)
    # good networks first so that a strong incumbent is found early
    order = sorted(table, key=lambda g: (-sum(table[g][t] for t in g) / max(costs[g], 1e-12), costs[g], g))
    count = len(order)
    best = {'score': -math.inf, 'cost': math.inf, 'networks': None}
    eps = 1e-12

    def search(index: int, chosen: list[Group], current: dict[str, float], used: float) -> None:
        remaining = budget - used
        optimistic = 0.0
        for task in tasks:
            value = current.get(task, -math.inf)
            for group in order[index:]:
                if task in group and costs[group] <= remaining + eps and table[group][task] > value:
                    value = table[group][task]
            if value == -math.inf:
                return  # the task can no longer be covered
            optimistic += value
        if optimistic < best['score'] - eps or (optimistic <= best['score'] + eps and used >= best['cost'] - eps):
            return
        if len(current) == len(tasks):
            score = sum(current.values())
            if score > best['score'] + eps or (score >= best['score'] - eps and used < best['cost'] - eps):
                best.update(score=score, cost=used, networks=list(chosen))
        if index == count:
            return
        group = order[index]
        if costs[group] <= remaining + eps and any(table[group][t] > current.get(t, -math.inf) for t in group):
            improved = dict(current)
            for t in group:
                improved[t] = max(improved.get(t, -math.inf), table[group][t])
            search(index + 1, chosen + [group], improved, used + costs[group])
        search(index + 1, chosen, current, used)

    search(0, [], {}, 0.0)
    if best['networks'] is None:
        raise _infeasible(tasks, table, costs, budget)
    return make_selection(best['networks'], tasks, table, costs)


def brute_force_selection(tasks: Sequence[str], table: ScoreTable, costs: Mapping[Group, float],
                          budget: float = math.inf, objective: str = 'score') -> Selection:
    """Enumerate every assignment of tasks to candidate networks containing them (∏ per-task options).

    An optimal set of networks serves at least one task with each network (an
    unused one only adds cost), so the best assignment within the budget is
    an optimal selection. ``objective='cost'`` finds the cheapest cover instead.
    """
    tasks = list(tasks)
    _check(tasks, table, costs, budget)
    options = [[g for g in table if t in g] for t in tasks]
    best_key, best_networks = None, None
    for assignment in itertools.product(*options):
        networks = sorted(set(assignment))
        cost = sum(costs[g] for g in networks)
        if cost > budget + 1e-12:
            continue
        score = sum(table[g][t] for g, t in zip(assignment, tasks))
        key = (-cost,) if objective == 'cost' else (score, -cost)
        if best_key is None or key > best_key:
            best_key, best_networks = key, networks
    if best_networks is None:
        raise _infeasible(tasks, table, costs, budget)
    return make_selection(best_networks, tasks, table, costs)
