"""The DAG central network and its policy (Choi & Im, Eq. 3–6 and 8–9) on tiny tensors."""
import pytest
import torch
from torch import nn

from mtlreg.models import MultiTaskModel
from mtlreg.models.backbones import DAGNetwork
from mtlreg.models.policies import DAGPolicy
from mtlreg.registry import register_all_modules

register_all_modules()


class Scale(nn.Module):
    """Multiplies by a constant: stands in for a unit so the forward can be computed by hand."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return self.factor * x


def _hand_network():
    """Three one-channel states at the input resolution, M = 2: every unit a known scaling."""
    net = DAGNetwork(states=[(1, 1), (1, 1), (1, 1)], flow_constant=2, in_channels=1, read_out_channels=1)
    for j, c in {1: 2.0, 2: 3.0, 3: 5.0}.items():
        net.read_in[str(j)].embed = Scale(c)
    for (i, j), c in {(1, 2): 7.0, (1, 3): 11.0, (2, 3): 13.0}.items():
        net.edges[f'{i}_{j}'] = Scale(c)
    for i, c in {1: 0.5, 2: 0.25, 3: 0.125}.items():
        net.read_out[str(i)].project = Scale(c)
    return net


def test_edges_and_units_follow_the_flow_restriction():
    net = DAGNetwork(states=[(4, 1)] * 5, flow_constant=2, width_multiplier=1.0)
    assert sorted(net.edges) == ['1_2', '1_3', '2_3', '2_4', '3_4', '3_5', '4_5']
    assert net.unit_grid == (7, 7)
    names = [n for n in net.unit_names() if n]
    assert len(names) == 7 + 5 + 5 and 'edges.1_3' in names and 'read_in.5' in names and 'read_out.1' in names
    counts = net.unit_parameter_counts()
    assert int(counts.sum()) == sum(p.numel() for p in net.parameters())
    assert not (counts > 0)[~net.valid_units()].any()
    assert (counts[:6, :6] > 0).sum() == 7 + 5   # edges and read-ins; equal-width read-outs are identities


def test_forward_matches_the_hand_computation():
    net = _hand_network()
    x = torch.full((1, 1, 2, 2), 1.0)
    g = torch.zeros(5, 5)
    g[0, 1], g[0, 2], g[0, 3] = 0.5, 0.25, 1.0   # read-in σ(α)
    g[1, 2], g[1, 3], g[2, 3] = 0.5, 0.5, 0.25    # edges σ(γ)
    g[1, 4], g[2, 4], g[3, 4] = 1.0, 0.5, 0.5     # read-out σ(β)
    v1 = 0.5 * 2.0                                  # Eq. 3 alone: in-degree 1
    v2 = (0.25 * 3.0 + 0.5 * 7.0 * v1) / 2          # read-in + one edge
    v3 = (1.0 * 5.0 + 0.5 * 11.0 * v1 + 0.25 * 13.0 * v2) / 3
    expected = 1.0 * 0.5 * v1 + 0.5 * 0.25 * v2 + 0.5 * 0.125 * v3   # Eq. 5: not normalised
    torch.testing.assert_close(net(x, g), torch.full((1, 1, 2, 2), expected))


def test_links_that_are_off_leave_the_in_degree():
    net = _hand_network()
    x = torch.ones(1, 1, 2, 2)
    g = torch.zeros(5, 5)
    g[0, 1], g[1, 3], g[2, 3], g[0, 2], g[3, 4] = 1, 1, 1, 1, 1   # state 3 from 1 and 2; read-in 0→3 off
    v1, v2 = 2.0, 3.0                                             # state 2: read-in only (1→2 off)
    v3 = (11.0 * v1 + 13.0 * v2) / 2
    torch.testing.assert_close(net(x, g), torch.full((1, 1, 2, 2), 0.125 * v3))
    assert torch.count_nonzero(net(x, torch.zeros(5, 5))) == 0   # nothing on: zeros


def test_gates_none_is_every_link_fully_on():
    net = _hand_network()
    x = torch.randn(1, 1, 2, 2)
    torch.testing.assert_close(net(x), net(x, net.valid_units().float()))


def test_resolutions_channels_and_read_out_of_the_vgg_states():
    net = DAGNetwork(states='vgg16', flow_constant=3, width_multiplier=0.0625)
    assert net.channels == [4, 4, 8, 8, 16, 16, 16, 32, 32, 32, 32, 32] and net.output_stride == 16
    out = net(torch.randn(2, 3, 40, 40))
    assert out.shape == (2, 32, 3, 3)  # ceil(40 / 16)
    assert len(net.edges) == 11 + 10 + 9


def test_configuration_errors_name_the_argument():
    with pytest.raises(ValueError, match='states'):
        DAGNetwork(states='resnet')
    with pytest.raises(ValueError, match='strides'):
        DAGNetwork(states=[(4, 2), (4, 1)])
    with pytest.raises(ValueError, match='flow_constant'):
        DAGNetwork(states=[(4, 1)] * 3, flow_constant=0)
    with pytest.raises(ValueError, match='unit grid'):
        _hand_network()(torch.ones(1, 1, 2, 2), torch.ones(4, 4))


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


def test_parameter_counts_cover_only_the_links_a_task_keeps():
    tasks = dict(a=dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss')),
                 b=dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss')))
    model = MultiTaskModel(backbone=dict(type='DAGNetwork', states=[(2, 1)] * 4, flow_constant=2, in_channels=1),
                           tasks=tasks, policy=dict(type='DAGPolicy'))
    mask = torch.zeros(2, 6, 6, dtype=torch.bool)
    mask[0, 0, 1] = mask[0, 1, 2] = mask[0, 2, 5] = True     # a: in → 1 → 2 → out
    mask[1, 0, 1] = mask[1, 1, 5] = True                     # b: in → 1 → out
    model.policy.fix(mask)
    units = model.backbone.unit_parameter_counts()
    heads = {t: sum(p.numel() for p in model.heads[t].parameters()) for t in tasks}
    counts = model.parameter_counts()
    assert counts['task/a'] == int(units[mask[0]].sum()) + heads['a']
    assert counts['task/b'] == int(units[mask[1]].sum()) + heads['b']
    assert counts['total'] == int(units[mask.any(0)].sum()) + sum(heads.values())


def test_random_reduction_draws_an_order_per_task():
    net, policy = _policy(tasks=('a', 'b', 'c'), n=6, m=3)
    masks = policy.discretize(method='random', target_sparsity=0.4, restrict=False, seed=0)
    assert not (torch.equal(masks[0], masks[1]) and torch.equal(masks[1], masks[2]))  # same Ψ, own orders
    again = policy.discretize(method='random', target_sparsity=0.4, restrict=False, seed=0)
    assert torch.equal(masks, again)
