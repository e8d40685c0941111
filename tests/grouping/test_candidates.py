"""Groups of tasks: every subset once, in the order of the tasks."""
import pytest

from mtlreg.grouping import canonical_group, group_name, parse_group_name, task_subsets


def test_subsets_by_order():
    groups = task_subsets(['s', 'd', 'n', 'k', 'e'])
    assert len(groups) == 31 and len(set(groups)) == 31
    assert groups[:5] == [('s',), ('d',), ('n',), ('k',), ('e',)]
    assert groups[5] == ('s', 'd') and groups[-1] == ('s', 'd', 'n', 'k', 'e')
    assert len(task_subsets(['s', 'd', 'n', 'k', 'e'], max_order=2)) == 15


def test_errors():
    with pytest.raises(ValueError, match='exceeds the number of tasks'):
        task_subsets(['a', 'b'], max_order=3)
    with pytest.raises(ValueError, match='distinct'):
        task_subsets(['a', 'a'])
    with pytest.raises(KeyError, match=r"unknown tasks \['x'\]"):
        canonical_group(['x'], ['a', 'b'])


def test_names_round_trip():
    assert canonical_group(['b', 'a'], ['a', 'b', 'c']) == ('a', 'b')
    assert parse_group_name(group_name(('a', 'c'))) == ('a', 'c')
