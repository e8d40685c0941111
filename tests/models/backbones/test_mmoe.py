"""MMoE: per-sample softmax gates, features the hand-computed mixture, the experts shared, counts by hand."""
import math

import pytest
import torch

from mtlreg.models.backbones.mmoe import MMoEBackbone
from mtlreg.utils.errors import ConfigError
from tests.models.backbones.test_expert_mixture import check_paths, conv_expert, set_conv, set_logits, train_tiny


def test_gates_sum_to_one_per_sample_and_differ_between_samples():
    torch.manual_seed(0)
    net = MMoEBackbone(['a', 'b'], expert=conv_expert(channels=4, kernel_size=3), num_experts=3)
    features, gates = net.forward_with_gates(torch.randn(5, 3, 8, 8))
    for task in ('a', 'b'):
        assert gates[task].shape == (5, 3) and bool((gates[task] > 0).all())
        assert torch.allclose(gates[task].sum(1), torch.ones(5))
        assert not torch.allclose(gates[task][0], gates[task][1])  # one weight per expert per sample
        assert features[task].shape == (5, 4, 8, 8)
    assert not torch.allclose(gates['a'], gates['b'])  # one gate per task


def test_task_features_are_the_hand_computed_mixture_for_set_gate_logits():
    net = MMoEBackbone(['a', 'b'], expert=conv_expert(channels=1), num_experts=3)
    for expert, value in zip(net.experts, (1.0, 2.0, 3.0)):
        set_conv(expert, value)  # on an image of ones: 3, 6 and 9
    set_logits(net.gates['a'], [0.0, math.log(2.0), math.log(5.0)])  # weights 1/8, 2/8, 5/8
    set_logits(net.gates['b'], [0.0, -1e4, -1e4])  # all weight on the first expert
    features = net(torch.ones(2, 3, 4, 4))
    assert torch.allclose(features['a'], torch.full((2, 1, 4, 4), 3 / 8 + 12 / 8 + 45 / 8))
    assert torch.allclose(features['b'], torch.full((2, 1, 4, 4), 3.0))


def test_an_input_gate_sees_only_the_pooled_image():
    torch.manual_seed(0)
    net = MMoEBackbone(['a'], expert=conv_expert(channels=2, kernel_size=3), num_experts=2, gate_input='input')
    assert net.gates['a'].linear.in_features == 3
    x = torch.randn(1, 3, 6, 6)
    shuffled = x.flatten(2)[:, :, torch.randperm(36)].reshape(1, 3, 6, 6)  # the same channel means
    _, gates = net.forward_with_gates(torch.cat([x, shuffled]))
    assert torch.allclose(gates['a'][0], gates['a'][1])
    with pytest.raises(ConfigError, match=r"model.backbone.gate_input: is 'pixels' \(expected one of"):
        MMoEBackbone(['a'], expert=conv_expert(), gate_input='pixels')
    with pytest.raises(ConfigError, match=r'model.backbone.num_experts: is 0 \(expected an integer >= 1\)'):
        MMoEBackbone(['a'], expert=conv_expert(), num_experts=0)


def test_shared_parameters_are_the_experts_every_task_reaches():
    torch.manual_seed(0)
    net = MMoEBackbone(['a', 'b', 'c'], expert=conv_expert(channels=4, kernel_size=3), num_experts=2)
    paths = check_paths(net, torch.randn(3, 3, 8, 8))
    assert {n for p in paths.values() for n in p} - set.intersection(*paths.values()) == {
        f'gates.{t}.linear.{w}' for t in 'abc' for w in ('weight', 'bias')}
    assert len(net.shared_parameters()) == len(list(net.experts.parameters()))


def test_parameter_counts_by_hand():
    net = MMoEBackbone(['a', 'b'], expert=conv_expert(channels=2), num_experts=3)  # experts: (3 + 1)·2 = 8
    gate = (3 * 2 + 1) * 3  # the pooled outputs of 3 experts of 2 channels → 3 weights
    assert net.single_task_parameter_count() == 8
    assert net.task_parameter_count('a') == 3 * 8 + gate
    assert net.parameter_counts(None, ['a', 'b']) == dict(total=3 * 8 + 2 * gate, tasks=dict(a=24 + gate, b=24 + gate),
                                                          single_task=2 * 8)
    assert sum(p.numel() for p in net.shared_parameters()) == 3 * 8
    by_input = MMoEBackbone(['a'], expert=conv_expert(channels=2), num_experts=3, gate_input='input', in_channels=3)
    assert by_input.task_parameter_count('a') == 3 * 8 + (3 + 1) * 3


@pytest.mark.slow
def test_a_tiny_training_runs_through_the_model(tmp_path):
    runner = train_tiny(tmp_path, dict(type='MMoEBackbone', num_experts=2,
                                       expert=dict(type='DilatedResNet', depth=18, width_multiplier=0.0625)))
    assert runner.model.backbone.out_channels == 32
