"""CGC: a task mixes its own and the shared experts only, never another task's; shared = the shared experts."""
import math

import pytest
import torch

from mtlreg.models.backbones.cgc import CGCBackbone
from mtlreg.utils.errors import ConfigError
from tests.models.backbones.test_expert_mixture import check_paths, conv_expert, set_conv, set_logits, train_tiny


def test_a_task_mixes_its_own_experts_then_the_shared_ones_by_hand():
    net = CGCBackbone(['a', 'b'], expert=conv_expert(channels=1), num_shared_experts=2, num_task_experts=1)
    set_conv(net.level.task_experts['a'][0], 1.0)  # on an image of ones: 3
    set_conv(net.level.shared_experts[0], 2.0)  # 6
    set_conv(net.level.shared_experts[1], 3.0)  # 9
    set_conv(net.level.task_experts['b'][0], 100.0)  # task b's own: never in task a's features
    set_logits(net.level.task_gates['a'], [0.0, math.log(2.0), math.log(5.0)])  # [own, shared, shared]
    set_logits(net.level.task_gates['b'], [0.0, -1e4, -1e4])
    features, gates = net.forward_with_gates(torch.ones(2, 3, 4, 4))
    assert torch.allclose(gates['a'], torch.tensor([[1 / 8, 2 / 8, 5 / 8]] * 2))
    assert torch.allclose(features['a'], torch.full((2, 1, 4, 4), 3 / 8 + 12 / 8 + 45 / 8))
    assert torch.allclose(features['b'], torch.full((2, 1, 4, 4), 300.0))


def test_gates_sum_to_one_over_own_and_shared_experts_with_counts_per_task():
    torch.manual_seed(0)
    net = CGCBackbone(['a', 'b'], expert=conv_expert(channels=2, kernel_size=3), num_shared_experts=2,
                      num_task_experts=dict(a=2, b=0))
    _, gates = net.forward_with_gates(torch.randn(4, 3, 8, 8))
    assert gates['a'].shape == (4, 4) and gates['b'].shape == (4, 2)  # b mixes the shared experts only
    for weights in gates.values():
        assert bool((weights > 0).all()) and torch.allclose(weights.sum(1), torch.ones(4))


def test_a_task_never_receives_another_tasks_experts():
    torch.manual_seed(0)
    net = CGCBackbone(['a', 'b'], expert=conv_expert(channels=4, kernel_size=3), num_shared_experts=1,
                      num_task_experts=2)
    x = torch.randn(3, 3, 8, 8)
    net(x)['a'].square().mean().backward()  # both tasks computed, task a's loss only
    assert all(p.grad is None for p in net.level.task_experts['b'].parameters())
    assert all(p.grad is None for p in net.level.task_gates['b'].parameters())
    assert all(bool(p.grad.abs().sum() > 0) for p in net.level.task_experts['a'].parameters())
    runs = []
    for expert in net.level.task_experts['b']:
        expert.register_forward_hook(lambda *args: runs.append(1))
    net(x, tasks=['a'])
    assert not runs  # computing task a runs the shared experts and its own only
    torch.testing.assert_close(net(x, tasks=['a'])['a'], net(x)['a'])


def test_shared_parameters_are_the_shared_experts_every_task_reaches():
    torch.manual_seed(0)
    net = CGCBackbone(['a', 'b', 'c'], expert=conv_expert(channels=4, kernel_size=3), num_shared_experts=2)
    check_paths(net, torch.randn(3, 3, 8, 8))
    assert [id(p) for p in net.shared_parameters()] == [id(p) for p in net.level.shared_experts.parameters()]


def test_parameter_counts_by_hand():
    net = CGCBackbone(['a', 'b'], expert=conv_expert(channels=2), num_shared_experts=2)  # experts: (3 + 1)·2 = 8
    gate = (3 * 2 + 1) * 3  # the pooled outputs of its own and the two shared experts → 3 weights
    assert net.single_task_parameter_count() == 8
    assert net.task_parameter_count('a') == 2 * 8 + 8 + gate
    assert net.parameter_counts(None, ['a', 'b'])['total'] == 2 * 8 + 2 * 8 + 2 * gate
    assert sum(p.numel() for p in net.shared_parameters()) == 2 * 8


def test_wrong_expert_counts_are_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"model.backbone.num_task_experts: names tasks \['a'\] \(expected one "
                                          r"count for each of the tasks \['a', 'b'\]"):
        CGCBackbone(['a', 'b'], expert=conv_expert(), num_task_experts=dict(a=1))
    with pytest.raises(ConfigError, match=r'model.backbone.num_shared_experts: is 0 \(expected an integer >= 1\)'):
        CGCBackbone(['a'], expert=conv_expert(), num_shared_experts=0)
    with pytest.raises(ConfigError, match=r'model.backbone.num_task_experts.b: is -1'):
        CGCBackbone(['a', 'b'], expert=conv_expert(), num_task_experts=dict(a=1, b=-1))


@pytest.mark.slow
def test_a_tiny_training_with_a_gradient_balancer_runs_through_the_model(tmp_path):
    runner = train_tiny(tmp_path, dict(type='CGCBackbone', expert=dict(type='DilatedResNet', width_multiplier=0.0625)),
                        balancer=dict(type='PCGradBalancer'))
    shared = {id(p) for p in runner.model.shared_parameters()}
    assert shared == {id(p) for p in runner.model.backbone.level.shared_experts.parameters()}
