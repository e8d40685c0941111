"""The DAG central network (Choi & Im, Eq. 3–6) on tiny tensors: the flow restriction and a forward worked by hand."""
import pytest
import torch
from torch import nn

from mtlreg.models.backbones import DAGNetwork


class Scale(nn.Module):
    """Multiplies by a constant: stands in for a unit so the forward can be computed by hand."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return self.factor * x


def _hand_network(**kwargs):
    """Three one-channel states at the input resolution, M = 2: every unit a known scaling."""
    net = DAGNetwork(states=[(1, 1), (1, 1), (1, 1)], flow_constant=2, in_channels=1, read_out_channels=1, **kwargs)
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


def test_gate_sum_normalisation_divides_by_the_gates_and_leaves_a_lone_link_without_effect():
    net = _hand_network(state_normalization='gate_sum')
    x = torch.full((1, 1, 2, 2), 1.0)
    g = torch.zeros(5, 5)
    g[0, 1], g[0, 2], g[0, 3] = 0.5, 0.25, 1.0
    g[1, 2], g[1, 3], g[2, 3] = 0.5, 0.5, 0.25
    g[1, 4], g[2, 4], g[3, 4] = 1.0, 0.5, 0.5
    v1 = 0.5 * 2.0 / 0.5                                              # its only link's gate cancels
    v2 = (0.25 * 3.0 + 0.5 * 7.0 * v1) / (0.25 + 0.5)
    v3 = (1.0 * 5.0 + 0.5 * 11.0 * v1 + 0.25 * 13.0 * v2) / (1.0 + 0.5 + 0.25)
    expected = 1.0 * 0.5 * v1 + 0.5 * 0.25 * v2 + 0.5 * 0.125 * v3
    torch.testing.assert_close(net(x, g), torch.full((1, 1, 2, 2), expected))
    gates = g.clone().requires_grad_()
    net(x, gates).sum().backward()
    assert gates.grad[0, 1].abs() < 1e-6 and gates.grad[0, 2].abs() > 1e-3   # state 1's read-in: no gradient
    binary = (g > 0).float()
    torch.testing.assert_close(net(x, binary), _hand_network()(x, binary))   # binary gates: the same as Eq. 4
    with pytest.raises(ValueError, match='state_normalization'):
        _hand_network(state_normalization='softmax')


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
