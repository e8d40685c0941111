"""Group scores from inter-task affinities (TAG, Sec. 3.2), the saved file, and the selection under a budget."""
import json

import pytest
import torch

from mtlreg.engine.task_affinity import AffinityAverage
from mtlreg.grouping import affinity_group_scores, branch_and_bound
from mtlreg.grouping.affinity_groups import read_affinity


def test_the_saved_file_and_its_errors(tmp_path):
    average = AffinityAverage(['a', 'b'])
    average.add(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    average.add(torch.tensor([[3.0, 0.0], [1.0, 0.0]]))
    path = tmp_path / 'task_affinity.json'
    path.write_text(json.dumps(average.as_dict()))
    assert read_affinity(str(path)) == (['a', 'b'], {'a': {'a': 2.0, 'b': 1.0}, 'b': {'a': 2.0, 'b': 2.0}})
    path.write_text(json.dumps(AffinityAverage(['a', 'b']).as_dict()))
    with pytest.raises(ValueError, match='no measured step'):
        read_affinity(str(path))
    with pytest.raises(FileNotFoundError, match='missing.json not found'):
        read_affinity(str(tmp_path / 'missing.json'))




AFFINITY = {'a': {'b': 0.2, 'c': -0.1}, 'b': {'a': 0.4, 'c': 0.3}, 'c': {'a': 0.0, 'b': -0.2}}


def test_group_scores_average_the_affinities_onto_each_member():
    scores = affinity_group_scores(['a', 'b', 'c'], AFFINITY)
    assert scores[('a',)] == {'a': 0.0}
    assert scores[('a', 'b')] == pytest.approx({'a': 0.4, 'b': 0.2})
    # onto a: (Z_b→a + Z_c→a)/2 = 0.2; onto b: (0.2 − 0.2)/2 = 0; onto c: (−0.1 + 0.3)/2 = 0.1
    assert scores[('a', 'b', 'c')] == pytest.approx({'a': 0.2, 'b': 0.0, 'c': 0.1})
    assert ('a', 'b', 'c') not in affinity_group_scores(['a', 'b', 'c'], AFFINITY, max_order=2)
    with pytest.raises(KeyError, match=r"c→a"):
        affinity_group_scores(['a', 'b', 'c'], {'a': {'b': 0.1, 'c': 0.1}, 'b': {'a': 0.1, 'c': 0.1}, 'c': {'b': 0}})


def test_tag_selection_under_a_budget():
    scores = affinity_group_scores(['a', 'b', 'c'], AFFINITY)
    costs = {g: 1.0 for g in scores}
    # one network: all three (0.2 + 0 + 0.1 = 0.3) beats a+b (0.6, but leaves c uncovered)
    assert branch_and_bound(['a', 'b', 'c'], scores, costs, 1.0).networks == [('a', 'b', 'c')]
    # two networks: a+b serves a (0.4) and b (0.2), c alone or with b: b+c gives c 0.3
    two = branch_and_bound(['a', 'b', 'c'], scores, costs, 2.0)
    assert sorted(two.networks) == [('a', 'b'), ('b', 'c')] and two.score == pytest.approx(0.9)
