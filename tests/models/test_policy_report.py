"""Policies describe themselves: the DAG's sub-networks, Gumbel-Matrix's task embeddings, the default report."""
import json
import math

import pytest
import torch

from mtlreg.models.backbones import DAGNetwork
from mtlreg.models.policies import DAGPolicy, FixedMaskPolicy, GumbelMatrixPolicy
from mtlreg.structures.policy_report import PolicyReport


def _dag_policy():
    """Two states, M = 1; a: in → 1 → 2 → out, b: in → 1 → out (fixed)."""
    net = DAGNetwork(states=[(2, 1)] * 2, flow_constant=1, in_channels=1)
    policy = DAGPolicy(['a', 'b'], net.unit_grid)
    policy.set_valid_units(net.valid_units())
    mask = torch.zeros(2, 4, 4, dtype=torch.bool)
    mask[0, 0, 1] = mask[0, 1, 2] = mask[0, 2, 3] = True
    mask[1, 0, 1] = mask[1, 1, 3] = True
    policy.fix(mask)
    return policy, mask


def test_dag_report_describes_each_sub_network():
    policy, mask = _dag_policy()
    report = policy.report()
    assert isinstance(report, PolicyReport) and report.name == 'topology'
    # a: one edge of the one the network has (S = 1), a path of one edge (D = 1), out-degree 1 (W = 1)
    assert report.record['tasks']['a'] == dict(adjacency=[[0, 1], [0, 0]], read_in=[1, 0], read_out=[0, 1],
                                               depth=1.0, width=1.0, sparsity=1.0, edges=1)
    assert report.record['tasks']['b'] == dict(adjacency=[[0, 0], [0, 0]], read_in=[1, 0], read_out=[1, 0],
                                               depth=0.0, width=0.0, sparsity=0.0, edges=0)
    json.dumps(report.record)
    assert report.scalars == {'topology/a/depth': 1.0, 'topology/a/width': 1.0, 'topology/a/sparsity': 1.0,
                              'topology/b/depth': 0.0, 'topology/b/width': 0.0, 'topology/b/sparsity': 0.0}
    assert list(report.figures) == ['shared_adjacency', 'a', 'b']
    assert {n: (f.kind, report.figure_tag(n)) for n, f in report.figures.items()} == {
        'shared_adjacency': ('shared_adjacency', 'topology_shared_adjacency'),
        'a': ('task_graph', 'topology_a'), 'b': ('task_graph', 'topology_b')}
    assert (report.figures['a'].data['mask'] == mask[0].numpy()).all()
    assert (report.figures['shared_adjacency'].data['masks'] == mask.numpy()).all()
    assert report.figures['b'].title == 'b: D=0, W=0, S=0.000'
    assert report.table == {'a': {'D': '1', 'W': '1', 'S': '1.000', 'edges': '1'},
                            'b': {'D': '0', 'W': '0', 'S': '0.000', 'edges': '0'}}


def _gumbel_policy():
    """Allocation probabilities per task, layer, component; a and b allocate alike, c differently."""
    probs = torch.tensor([[[0.9, 0.8], [0.7, 0.2]],      # a: [[1, 1], [1, 0]]
                          [[0.6, 0.9], [0.55, 0.1]],     # b: the same allocation
                          [[0.1, 0.7], [0.3, 0.6]]])     # c: [[0, 1], [0, 1]]
    policy = GumbelMatrixPolicy(['a', 'b', 'c'], (2, 2))
    with torch.no_grad():
        policy.logits.copy_(torch.stack([probs.log(), (1 - probs).log()], dim=-1))
    return policy


def test_gumbel_matrix_report_gives_task_embeddings_and_allocations():
    report = _gumbel_policy().report()
    assert report.name == 'task_embeddings'
    record = report.record
    assert record['tasks'] == ['a', 'b', 'c']
    assert record['embeddings'] == {'a': [1, 1, 1, 0], 'b': [1, 1, 1, 0], 'c': [0, 1, 0, 1]}
    cos_ac = 1 / math.sqrt(6)  # one shared unit; |a| = √3, |c| = √2
    expected = [[1, 1, cos_ac], [1, 1, cos_ac], [cos_ac, cos_ac, 1]]
    for row, want in zip(record['similarity'], expected):
        assert row == pytest.approx(want, abs=1e-6)
    assert record['distinct'] == 2 and record['identical_groups'] == [['a', 'b'], ['c']]
    json.dumps(record)
    means = {'a': (0.85, 0.45), 'b': (0.75, 0.325), 'c': (0.4, 0.45)}
    expected_scalars = {'task_embedding/distinct': 2.0}
    for task, (layer0, layer1) in means.items():
        expected_scalars.update({f'allocation/{task}/layer0': layer0, f'allocation/{task}/layer1': layer1})
    assert report.scalars == pytest.approx(expected_scalars)
    figure = report.figures['task_similarity']
    assert list(report.figures) == ['task_similarity'] and figure.kind == 'heatmap' and figure.tag is None
    assert figure.data['rows'] == figure.data['columns'] == ['a', 'b', 'c']
    assert figure.data['values'].tolist()[0] == pytest.approx(expected[0], abs=1e-6)
    assert report.table == {'a': {'group': '0', 'components': '3/4'}, 'b': {'group': '0', 'components': '3/4'},
                            'c': {'group': '1', 'components': '2/4'}}
    assert report.title == "Task embeddings: 2 distinct; identical groups [['a', 'b'], ['c']]"


def test_gumbel_matrix_report_per_unit():
    scalars = _gumbel_policy().report(per_unit=True).scalars
    assert len(scalars) == 1 + 3 * 2 * 2
    assert scalars['allocation/a/layer1/unit0'] == pytest.approx(0.7)
    assert scalars['allocation/c/layer0/unit1'] == pytest.approx(0.7)


def test_the_default_report_gives_mask_and_probabilities_of_the_valid_units():
    policy = FixedMaskPolicy(['a', 'b'], (2, 2), mask=[[[1, 0], [1, 0]], [[1, 1], [0, 0]]])
    policy.set_valid_units(torch.tensor([[True, True], [True, False]]))  # three units
    report = policy.report()
    assert report.name == 'policy_report'
    assert report.record['tasks']['a'] == {'mask': [[1, 0], [1, 0]], 'probabilities': [[1.0, 0.0], [1.0, 0.0]]}
    assert report.scalars == {'policy_report/a/active': pytest.approx(2 / 3),
                              'policy_report/b/active': pytest.approx(2 / 3)}
    figure = report.figures['probabilities']
    assert figure.kind == 'heatmap' and figure.data['values'].tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    assert figure.data['decision'].tolist() == [[True, False, True], [True, True, False]]
    assert report.table == {'a': {'units': '2/3'}, 'b': {'units': '2/3'}}
