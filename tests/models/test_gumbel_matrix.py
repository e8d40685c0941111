"""Gumbel-Matrix: straight-through allocation, budget penalty, evaluation, and the mean of active components."""
import math

import pytest
import torch
from torch import nn

from mtlreg.models.backbones import ModularNetwork
from mtlreg.models.backbones.modular import mean_of_active
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


class _Const(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x):
        return torch.full_like(x, self.value)


def test_mean_of_active_components_including_none_active():
    components = nn.ModuleList(_Const(v) for v in (1.0, 2.0, 6.0))
    x = torch.zeros(1, 2)
    assert mean_of_active(components, x, torch.tensor([1.0, 0.0, 1.0])).tolist() == [[3.5, 3.5]]
    assert mean_of_active(components, x, torch.tensor([0.0, 1.0, 0.0])).tolist() == [[2.0, 2.0]]
    assert mean_of_active(components, x, torch.zeros(3)).tolist() == [[0.0, 0.0]]
    assert mean_of_active(components, x, None).tolist() == [[3.0, 3.0]]
    gates = torch.tensor([1.0, 0.0, 1.0], requires_grad=True)  # straight-through: all computed
    mean_of_active(components, x, gates).sum().backward()
    # ∂out/∂g_c = (f_c − out) / #active with out = 3.5, #active = 2; summed over the 2 outputs
    assert gates.grad.tolist() == [-2.5, -1.5, 2.5]
    gates.grad = None
    mean_of_active(components, x, gates, count_gradient=False).sum().backward()
    assert gates.grad.tolist() == [1.0, 2.0, 6.0]  # f_c / #active: the denominator held constant
    none = torch.zeros(3, requires_grad=True)  # all inactive: max(Σ g, 1) = 1, gradient f_c
    mean_of_active(components, x, none).sum().backward()
    assert none.grad.tolist() == [2.0, 4.0, 12.0]


def test_modular_network_units_and_shapes():
    net = ModularNetwork(in_channels=1, stem_channels=4, norm_groups=2, layers=[
        dict(channels=4, stride=2, components=[dict(type='conv', depth=2), dict(type='conv', kernel_size=[(1, 7), (7, 1)],
                                                                              depth=2),
                                               dict(type='max_pool'), dict(type='avg_pool'), dict(type='identity')]),
        dict(channels=8, stride=1, components=[dict(type='conv', kernel_size=5), dict(type='conv', kernel_size=7),
                                               dict(type='max_pool'), dict(type='avg_pool'), dict(type='identity')])])
    assert net.unit_grid == (2, 5) and len(net.unit_names()) == 10
    x = torch.randn(2, 1, 16, 16)
    out = net(x, torch.ones(2, 5))
    assert out.shape == (2, 8, 8, 8) and net.out_channels == 8
    with pytest.raises(ValueError, match='same, non-zero number of components'):
        ModularNetwork(layers=[dict(components=[dict(type='conv')]), dict(components=[])])
    with pytest.raises(ValueError, match=r"layers\[0\]\.components\[0\]\.type: expected one of"):
        ModularNetwork(layers=[dict(components=[dict(type='lstm')])])


def test_fully_connected_components_for_vector_tasks():
    net = ModularNetwork(in_channels=6, vector_input=True, layers=[
        dict(channels=1, components=[dict(type='fc', units=16, depth=3, final_relu=False)] * 4)])
    assert net(torch.randn(5, 6), torch.tensor([[1.0, 0.0, 1.0, 0.0]])).shape == (5, 1)
