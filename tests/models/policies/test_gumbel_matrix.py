"""Gumbel-Matrix: straight-through allocation, budget penalty, evaluation, and the report of its task embeddings."""
import json
import math

import pytest
import torch

from mtlreg.models.policies import GumbelMatrixPolicy


def _policy(p=None, **kwargs):
    policy = GumbelMatrixPolicy(['a', 'b'], (2, 3), **kwargs)
    if p is not None:
        with torch.no_grad():
            probs = torch.as_tensor(p)
            policy.logits.copy_(torch.stack([probs.log(), (1 - probs).log()], -1))
    return policy


def test_logits_are_initialised_from_p_init():
    policy = _policy(p_init=0.97)
    torch.testing.assert_close(policy.allocation_probabilities(), torch.full((2, 2, 3), 0.97))
    torch.testing.assert_close(policy.logits[0, 0, 0], torch.tensor([math.log(0.97), math.log(0.03)]))


def test_straight_through_samples_are_exactly_binary_and_carry_gradient():
    torch.manual_seed(0)
    policy = _policy(temperature=0.5).train()
    gates = policy.gates('a')
    assert set(gates.unique().tolist()) <= {0.0, 1.0}
    (gates * torch.arange(6.0).reshape(2, 3)).sum().backward()
    assert policy.logits.grad[0].abs().sum() > 0  # the soft sample's gradient reaches the logits
    assert policy.logits.grad[1].abs().sum() == 0  # task b was not used


def test_evaluation_uses_the_maximum_likelihood_allocation():
    p = torch.tensor([[[0.9, 0.4, 0.5], [0.1, 0.6, 0.2]], [[0.3, 0.3, 0.3], [0.8, 0.8, 0.8]]])
    policy = _policy(p).eval()
    assert policy.gates('a').tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert policy.gates('b').tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    assert torch.equal(policy.discretize(), p >= 0.5)


def test_budget_penalty_is_the_excess_of_the_mean_allocation_over_the_budget():
    p = torch.tensor([[[0.9, 0.9, 0.9], [0.9, 0.9, 0.9]], [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]])  # mean 0.7
    policy = _policy(p, budget=0.6, budget_weight=2.0)
    assert policy.budget_penalty().detach().item() == pytest.approx(0.1)
    assert policy.regularizers()['reg_budget'].detach().item() == pytest.approx(0.2)
    assert _policy(p, budget=0.75).budget_penalty().detach().item() == 0.0
    assert _policy(p).regularizers() == {}


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
