"""Branch-and-bound selection of networks under a budget: exact against two brute forces and a hand example."""
import itertools
import math
import random

import pytest

from mtlreg.grouping import branch_and_bound, brute_force_selection, make_selection, task_subsets


def _random_problem(seed):
    rng = random.Random(seed)
    tasks = [f't{i}' for i in range(rng.choice([2, 3, 4]))]
    groups = task_subsets(tasks, rng.choice([None, 2]) if len(tasks) > 2 else None)
    table = {g: {t: rng.gauss(0.0, 1.0) for t in g} for g in groups}
    costs = {g: rng.choice([0.5, 1.0, 1.25, 2.0]) for g in groups}
    return tasks, table, costs


def _subset_enumeration(tasks, table, costs, budget):
    """Best score over every set of candidate networks (2^candidates), independently of the assignment view."""
    best = None
    groups = list(table)
    for size in range(1, len(groups) + 1):
        for chosen in itertools.combinations(groups, size):
            cost = sum(costs[g] for g in chosen)
            if cost > budget + 1e-12 or any(not any(t in g for g in chosen) for t in tasks):
                continue
            score = sum(max(table[g][t] for g in chosen if t in g) for t in tasks)
            if best is None or score > best + 1e-12:
                best = score
    return best


@pytest.mark.parametrize('seed', range(60))
def test_branch_and_bound_equals_brute_force(seed):
    tasks, table, costs = _random_problem(seed)
    cheapest = brute_force_selection(tasks, table, costs, objective='cost').cost
    loosest = sum(costs[g] for g in table)
    # a binding budget (just above the cheapest cover), a middle one and one that does not bind
    for budget in (cheapest + 0.1, (cheapest + loosest) / 2, math.inf):
        exact = branch_and_bound(tasks, table, costs, budget)
        reference = brute_force_selection(tasks, table, costs, budget)
        assert exact.score == pytest.approx(reference.score, abs=1e-9)
        assert exact.cost == pytest.approx(reference.cost, abs=1e-9)  # ties broken towards the cheaper
        assert exact.cost <= budget + 1e-9
        assert set(exact.assignment) == set(tasks)
        assert all(t in exact.assignment[t] for t in tasks)
        if len(table) <= 10:
            assert exact.score == pytest.approx(_subset_enumeration(tasks, table, costs, budget), abs=1e-9)


def test_unbounded_budget_takes_each_tasks_best_network():
    tasks, table, costs = _random_problem(7)
    selection = branch_and_bound(tasks, table, costs)
    assert selection.score == pytest.approx(sum(max(s[t] for g, s in table.items() if t in g) for t in tasks))


def test_hand_made_problem():
    # a and b help each other, c hurts both; budget 2 affords two networks
    table = {('a',): {'a': 0.0}, ('b',): {'b': 0.0}, ('c',): {'c': 0.0},
             ('a', 'b'): {'a': 2.0, 'b': 1.0}, ('a', 'c'): {'a': -1.0, 'c': 0.5},
             ('b', 'c'): {'b': -2.0, 'c': 1.5}, ('a', 'b', 'c'): {'a': 1.0, 'b': 0.5, 'c': -1.0}}
    costs = {g: 1.0 for g in table}
    selection = branch_and_bound(['a', 'b', 'c'], table, costs, budget=2.0)
    # {ab, bc}: a 2.0 and b 1.0 from ab, c 1.5 from bc -> 4.5 (ab + c alone would give 3.0)
    assert sorted(selection.networks) == [('a', 'b'), ('b', 'c')]
    assert selection.assignment == {'a': ('a', 'b'), 'b': ('a', 'b'), 'c': ('b', 'c')}
    assert selection.score == pytest.approx(4.5)
    assert selection.cost == pytest.approx(2.0)
    one = branch_and_bound(['a', 'b', 'c'], table, costs, budget=1.0)
    assert one.networks == [('a', 'b', 'c')] and one.score == pytest.approx(0.5)


def test_budget_below_every_cover_names_the_cheapest():
    table = {('a',): {'a': 0.0}, ('b',): {'b': 0.0}, ('a', 'b'): {'a': 1.0, 'b': 1.0}}
    costs = {('a',): 1.0, ('b',): 1.0, ('a', 'b'): 1.5}
    with pytest.raises(ValueError, match=r'budget 1 is below the cheapest cover of all tasks \(1\.5'):
        branch_and_bound(['a', 'b'], table, costs, budget=1.0)


def test_errors_name_the_network_and_task():
    table = {('a',): {'a': 0.0}, ('a', 'b'): {'a': 1.0}}
    with pytest.raises(KeyError, match=r"a\+b has no score for \['b'\]"):
        branch_and_bound(['a', 'b'], table, {('a',): 1.0, ('a', 'b'): 1.0})
    with pytest.raises(KeyError, match=r'no cost for the network a\+b'):
        branch_and_bound(['a', 'b'], {('a', 'b'): {'a': 1.0, 'b': 1.0}}, {})
    with pytest.raises(ValueError, match=r"no candidate network contains the tasks \['c'\]"):
        branch_and_bound(['a', 'c'], {('a',): {'a': 1.0}}, {('a',): 1.0})


def test_make_selection_drops_networks_that_serve_no_task():
    table = {('a',): {'a': 0.0}, ('a', 'b'): {'a': 1.0, 'b': 1.0}}
    costs = {('a',): 1.0, ('a', 'b'): 1.0}
    selection = make_selection([('a',), ('a', 'b')], ['a', 'b'], table, costs)
    assert selection.networks == [('a', 'b')] and selection.cost == 1.0
