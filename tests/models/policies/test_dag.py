"""The DAG network's policy (Choi & Im, Eq. 8–9): warm-up and search gates, squeeze loss, fixed structure, report."""
import json

import pytest
import torch

from mtlreg.models.backbones import DAGNetwork
from mtlreg.models.policies import DAGPolicy
from mtlreg.structures.policy_report import PolicyReport


def _policy(tasks=('a', 'b'), n=4, m=2, **kwargs):
    net = DAGNetwork(states=[(2, 1)] * n, flow_constant=m, in_channels=1)
    policy = DAGPolicy(list(tasks), net.unit_grid, **kwargs)
    policy.set_valid_units(net.valid_units())
    return net, policy


def test_warmup_gates_are_a_constant_half_on_every_link():
    net, policy = _policy()
    policy.set_mode('warmup')
    g = policy.gates('a')
    assert not g.requires_grad
    assert torch.equal(g, 0.5 * net.valid_units().float())


def test_search_gates_are_the_sigmoids_and_carry_gradient():
    net, policy = _policy()
    with torch.no_grad():
        policy.read_in_logits[0, 2] = 1.0
        policy.edge_logits[0, 0, 1] = -2.0
        policy.read_out_logits[0, 3] = 0.5
    g = policy.gates('a')
    assert g[0, 3].item() == pytest.approx(torch.sigmoid(torch.tensor(1.0)).item())
    assert g[1, 2].item() == pytest.approx(torch.sigmoid(torch.tensor(-2.0)).item())
    assert g[4, 5].item() == pytest.approx(torch.sigmoid(torch.tensor(0.5)).item())
    assert torch.equal(g != 0, net.valid_units())
    net(torch.randn(1, 1, 4, 4), g).sum().backward()
    assert policy.edge_logits.grad[0, 0, 1] != 0 and policy.read_in_logits.grad[0].abs().sum() > 0
    assert policy.edge_logits.grad[1].abs().sum() == 0   # task b was not run
    assert policy.edge_logits.grad[0, 0, 3] == 0         # 1→4 violates the flow restriction (M = 2)


def test_squeeze_loss_value():
    _, policy = _policy(n=4, m=2, squeeze_weight=0.05, budget=1.0)   # 3 + 2 = 5 edges at σ(0) = 0.5
    assert policy.squeeze_loss().item() == pytest.approx(2 * (2.5 - 1.0))
    assert policy.regularizers()['reg_squeeze'].item() == pytest.approx(0.05 * 3.0)
    _, roomy = _policy(budget=10.0)
    assert roomy.squeeze_loss().item() == 0.0
    policy.squeeze_loss().backward()
    grad = policy.edge_logits.grad
    assert torch.allclose(grad[:, 0, 1], torch.full((2,), 0.25)) and grad[:, 0, 3].abs().sum() == 0
    assert policy.read_in_logits.grad is None or policy.read_in_logits.grad.abs().sum() == 0


def test_the_fixed_structure_is_binary_and_frozen_in_the_grid():
    net, policy = _policy()
    with torch.no_grad():
        policy.edge_logits.normal_(generator=torch.Generator().manual_seed(0))
    mask = policy.discretize()
    assert mask.shape == (2, 6, 6) and not (mask & ~net.valid_units()).any()
    policy.fix(mask)
    for k, task in enumerate(('a', 'b')):
        g = policy.gates(task)
        assert set(g.unique().tolist()) <= {0.0, 1.0} and torch.equal(g.bool(), mask[k])
    assert policy.regularizers() == {}


def test_random_reduction_draws_an_order_per_task():
    net, policy = _policy(tasks=('a', 'b', 'c'), n=6, m=3)
    masks = policy.discretize(method='random', target_sparsity=0.4, restrict=False, seed=0)
    assert not (torch.equal(masks[0], masks[1]) and torch.equal(masks[1], masks[2]))  # same Ψ, own orders
    again = policy.discretize(method='random', target_sparsity=0.4, restrict=False, seed=0)
    assert torch.equal(masks, again)


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
