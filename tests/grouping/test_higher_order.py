"""Higher-order approximation: a task's score in a group is the mean of its scores in the group's pairs."""
import pytest

from mtlreg.grouping import higher_order_estimates, task_subsets


def _pairs():
    # scores of a task when trained with one other task, written out by hand
    return {('a',): {'a': 0.0}, ('b',): {'b': 0.0}, ('c',): {'c': 0.0}, ('d',): {'d': 0.0},
            ('a', 'b'): {'a': 2.0, 'b': -1.0}, ('a', 'c'): {'a': 4.0, 'c': 3.0}, ('a', 'd'): {'a': -3.0, 'd': 1.0},
            ('b', 'c'): {'b': 5.0, 'c': -2.0}, ('b', 'd'): {'b': 0.5, 'd': 2.0}, ('c', 'd'): {'c': 1.0, 'd': -4.0}}


def test_estimates_average_the_pairs():
    table = higher_order_estimates(['a', 'b', 'c', 'd'], _pairs())
    assert set(table) == set(task_subsets(['a', 'b', 'c', 'd']))
    assert table[('a', 'b')] == {'a': 2.0, 'b': -1.0}  # measured groups are kept
    assert table[('a', 'b', 'c')] == pytest.approx({'a': 3.0, 'b': 2.0, 'c': 0.5})
    assert table[('b', 'c', 'd')] == pytest.approx({'b': 2.75, 'c': -0.5, 'd': -1.0})
    assert table[('a', 'b', 'c', 'd')] == pytest.approx({'a': 1.0, 'b': 1.5, 'c': 2.0 / 3.0, 'd': -1.0 / 3.0})


def test_max_order_and_unordered_keys():
    pairs = {tuple(reversed(g)): s for g, s in _pairs().items()}  # ('b', 'a') is the same pair as ('a', 'b')
    table = higher_order_estimates(['a', 'b', 'c', 'd'], pairs, max_order=3)
    assert max(len(g) for g in table) == 3
    assert table[('a', 'c', 'd')]['a'] == pytest.approx(0.5)


def test_missing_pair_is_named():
    pairs = _pairs()
    del pairs[('b', 'd')]
    with pytest.raises(KeyError, match=r'the network b\+d has not been trained'):
        higher_order_estimates(['a', 'b', 'c', 'd'], pairs)
