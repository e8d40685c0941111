"""Modular layers (Gumbel-Matrix): the mean of the active components, units and shapes, fully connected components."""
import pytest
import torch
from torch import nn

from mtlreg.models.backbones import ModularNetwork
from mtlreg.models.backbones.modular import mean_of_active


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
