"""Learning to Branch: Gumbel-softmax parents, the modes' parent weights, discretisation into chains, the report."""
import json
import math

import pytest
import torch

from mtlreg.models.policies.learn_to_branch import LearnToBranchPolicy, gumbel_softmax_weights

TASKS = ['a', 'b', 'c']
# widths [1, 2, 3]: layer 1 has two children of the root, layer 2 one leaf per task over the two of layer 1
VALID = torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool)


def _policy(layer2=None, **kwargs):
    policy = LearnToBranchPolicy(TASKS, (3, 3), **kwargs)
    policy.set_valid_units(VALID)
    if layer2 is not None:
        with torch.no_grad():
            policy.logits[1, :3, :2] = torch.as_tensor(layer2, dtype=torch.float)
    return policy


def _hand_gumbel_softmax(theta, u, tau):
    """w_i = exp((θ_i + g_i) / τ) / Σ_k exp((θ_k + g_k) / τ), g_i = −log(−log u_i), in plain floats."""
    z = [(t - math.log(-math.log(v))) / tau for t, v in zip(theta, u)]
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def test_gumbel_softmax_weights_against_closed_forms():
    theta = torch.tensor([[math.log(3.0), 0.0], [0.0, 0.0]])
    u = torch.tensor([[0.5, 0.5], [math.exp(-1.0), math.exp(-math.exp(-1.0))]])  # g: equal; then (0, 1)
    w = gumbel_softmax_weights(theta, 1.0, uniform=u)
    torch.testing.assert_close(w, torch.tensor([[0.75, 0.25], [1 / (1 + math.e), math.e / (1 + math.e)]]))
    # τ = 0.5 doubles every logit: (0, 2) → (1, e²) / (1 + e²)
    torch.testing.assert_close(gumbel_softmax_weights(theta[1:], 0.5, uniform=u[1:])[0],
                               torch.tensor([1.0, math.e ** 2]) / (1 + math.e ** 2))


def test_seeded_sampling_draws_one_uniform_per_parent_layer_by_layer():
    policy = _policy([[0.5, -0.5], [0.0, 1.0], [2.0, 0.0]], temperature=2.0)
    torch.manual_seed(0)
    weights = policy.sample_parent_weights()
    # torch.manual_seed(0): torch.rand(2, 1) for layer 1, then torch.rand(3, 2) for layer 2
    u = [[0.0885, 0.1320], [0.3074, 0.6341], [0.4901, 0.8964]]
    assert weights[0].tolist() == [[1.0], [1.0]]  # one possible parent
    torch.manual_seed(0)
    torch.rand(2, 1)
    drawn = torch.rand(3, 2)
    torch.testing.assert_close(drawn, torch.tensor(u), atol=1e-4, rtol=0)
    theta = [[0.5, -0.5], [0.0, 1.0], [2.0, 0.0]]
    expected = [_hand_gumbel_softmax(theta[j], drawn[j].tolist(), 2.0) for j in range(3)]
    torch.testing.assert_close(weights[1], torch.tensor(expected))
    assert weights[1].requires_grad


def test_straight_through_samples_are_one_hot_with_the_soft_gradient():
    theta = torch.tensor([[0.2, 0.9, -0.3]], requires_grad=True)
    u = torch.tensor([[0.6, 0.3, 0.8]])
    hard = gumbel_softmax_weights(theta, 0.5, hard=True, uniform=u)
    soft_values = _hand_gumbel_softmax(theta[0].tolist(), u[0].tolist(), 0.5)
    assert hard.tolist() == [[float(i == max(range(3), key=soft_values.__getitem__)) for i in range(3)]]
    (hard * torch.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    got = theta.grad.clone()
    theta.grad = None
    (gumbel_softmax_weights(theta, 0.5, uniform=u) * torch.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    torch.testing.assert_close(got, theta.grad)


def test_parent_weights_in_every_mode():
    policy = _policy([[0.0, 1.0], [2.0, 0.0], [0.0, 0.5]])
    policy.train()
    torch.manual_seed(1)
    sampled = policy.parent_weights()[1]
    assert sampled.requires_grad and torch.allclose(sampled.sum(-1), torch.ones(3))
    policy.eval()  # the most probable tree
    assert policy.parent_weights()[1].tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    policy.set_mode('warmup')
    assert policy.parent_weights()[1].tolist() == [[0.5, 0.5]] * 3
    policy.fix(policy.derive_mask())
    policy.train()
    assert policy.parent_weights()[1].tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    hard = _policy([[0.0, 1.0], [2.0, 0.0], [0.0, 0.5]], sampling='hard').train()
    weights = hard.parent_weights()[1]
    assert weights.requires_grad and set(weights.detach().flatten().tolist()) == {0.0, 1.0}


def test_discretisation_takes_argmax_parents_and_gives_each_task_exactly_its_chain():
    policy = _policy([[0.0, 1.0], [2.0, 0.0], [0.0, 0.5]])
    parents = policy.tree()
    assert [p.tolist() for p in parents] == [[0, 0], [1, 0, 1]]
    assert policy.task_paths(parents).tolist() == [[0, 1, 0], [0, 0, 1], [0, 1, 2]]
    mask = policy.discretize()
    assert mask.dtype == torch.bool and mask.shape == (3, 3, 3)
    assert mask.int().tolist() == [[[1, 0, 0], [0, 1, 0], [1, 0, 0]],
                                   [[1, 0, 0], [1, 0, 0], [0, 1, 0]],
                                   [[1, 0, 0], [0, 1, 0], [0, 0, 1]]]
    assert (mask.sum(-1) == 1).all() and not (mask & ~VALID).any()
    assert policy.gates('b').tolist() == mask[1].float().tolist()
    # sampled with a seed: reproducible; a near-certain parent is always drawn
    sure = _policy([[9.0, -9.0], [-9.0, 9.0], [9.0, -9.0]])
    assert torch.equal(sure.derive_mask(mode='sample', seed=3), sure.derive_mask())
    assert torch.equal(policy.derive_mask(mode='sample', seed=5), policy.derive_mask(mode='sample', seed=5))
    with pytest.raises(ValueError, match=r"mode must be one of \('argmax', 'sample'\), got 'threshold'"):
        policy.derive_mask(mode='threshold')


def test_a_fixed_mask_must_be_a_tree_of_the_tasks_chains():
    policy = _policy()
    good = policy.mask_of_paths(torch.tensor([[0, 1, 0], [0, 1, 1], [0, 0, 2]]))
    policy.fix(good)
    assert policy.mode == 'fixed' and [p.tolist() for p in policy.fixed_tree()] == [[0, 0], [1, 1, 0]]
    two = good.clone()
    two[0, 1, 0] = True
    with pytest.raises(ValueError, match=r"task 'a' has nodes \[0, 1\] in layer 1, expected exactly one"):
        _policy().fix(two)
    with pytest.raises(ValueError, match=r"task 'b' ends at leaf 0, expected its own leaf 1"):
        _policy().fix(policy.mask_of_paths(torch.tensor([[0, 1, 0], [0, 1, 0], [0, 0, 2]])))
    forest = _policy()
    forest.set_valid_units(torch.tensor([[1, 1, 0], [1, 1, 0], [1, 1, 1]]))
    with pytest.raises(ValueError, match=r'not a tree: node 1 of layer 1 reads node 0 for task .a. and node 1 for '
                                         r"task 'b'"):
        forest.fix(forest.mask_of_paths(torch.tensor([[0, 1, 0], [1, 1, 1], [0, 0, 2]])))


def test_path_probabilities_by_hand():
    policy = _policy([[math.log(3.0), 0.0], [0.0, 0.0], [0.0, math.log(4.0)]])
    probs = policy.search_probabilities()
    assert probs.shape == (3, 3, 3)
    torch.testing.assert_close(probs[0], torch.tensor([[1.0, 0, 0], [0.75, 0.25, 0], [1.0, 0, 0]]))
    torch.testing.assert_close(probs[2], torch.tensor([[1.0, 0, 0], [0.2, 0.8, 0], [0, 0, 1.0]]))
    torch.testing.assert_close(policy.probabilities(), probs)


def test_the_grid_and_the_backbone_must_fit_the_tasks():
    with pytest.raises(ValueError, match=r'the last layer needs one node per task \(3 tasks\)'):
        LearnToBranchPolicy(TASKS, (3, 2))
    with pytest.raises(ValueError, match='at least two layers'):
        LearnToBranchPolicy(TASKS, (1, 3))
    with pytest.raises(ValueError, match=r"sampling must be one of \('soft', 'hard'\), got 'gumbel'"):
        LearnToBranchPolicy(TASKS, (3, 3), sampling='gumbel')
    policy = LearnToBranchPolicy(TASKS, (3, 3))
    with pytest.raises(ValueError, match=r'first N_l >= 1 entries'):
        policy.set_valid_units(torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 1]], dtype=torch.bool))
    with pytest.raises(ValueError, match=r'last layer has 2 nodes, expected one per task \(3'):
        LearnToBranchPolicy(TASKS, (3, 3)).set_valid_units(torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 0]]))


def test_state_round_trip():
    policy = _policy([[0.0, 1.0], [2.0, 0.0], [0.0, 0.5]], temperature=3.0)
    policy.temperature.fill_(0.7)
    policy.fix(policy.derive_mask())
    state = {k: v.clone() for k, v in policy.state_dict().items()}
    assert set(state) == {'logits', 'temperature', 'mode_index', 'fixed_mask'}
    fresh = _policy()
    fresh.load_state_dict(state)
    assert fresh.mode == 'fixed' and float(fresh.temperature) == pytest.approx(0.7)
    assert torch.equal(fresh.logits, policy.logits) and torch.equal(fresh.discretize(), policy.discretize())
    assert [w.tolist() for w in fresh.parent_weights()] == [w.tolist() for w in policy.parent_weights()]


def test_report_describes_the_tree():
    policy = _policy([[0.0, math.log(3.0)], [math.log(3.0), 0.0], [0.0, math.log(3.0)]])
    report = policy.report()
    assert report.name == 'branching_tree'
    record = report.record
    json.dumps(record)
    assert record['widths'] == [1, 2, 3] and record['parents'] == [[-1], [0, 0], [1, 0, 1]]
    assert record['used'] == [[True], [True, True], [True, True, True]]
    assert record['probabilities'][1] == [[0.25, 0.75], [0.75, 0.25], [0.25, 0.75]]
    assert record['tasks']['a'] == {'path': [0, 1, 0], 'shared_layers': {'b': 1, 'c': 2}}
    assert report.scalars == pytest.approx({'branching/nodes_used': 6.0, 'branching/layer1/confidence': 1.0,
                                            'branching/layer2/confidence': 0.75})
    assert sorted(report.figures) == ['parents_layer1', 'parents_layer2', 'path_probabilities']
    figure = report.figures['parents_layer2']
    assert figure.kind == 'heatmap' and figure.data['rows'] == ['l2n0', 'l2n1', 'l2n2']
    assert figure.data['decision'].tolist() == [[False, True], [True, False], [False, True]]
    assert report.figures['path_probabilities'].data['values'].shape == (3, 6)
    assert report.table['a'] == {'path': '0>1>0', 'shares': '2 layers with 1 tasks (c)'}
    assert report.table['b'] == {'path': '0>0>1', 'shares': '1 layers with 2 tasks (a,c)'}
