"""PLE: the shared gate's mixture is the next level's shared input; what every task reaches, level by level."""
import math

import pytest
import torch

from mtlreg.models.backbones.ple import PLEBackbone
from mtlreg.utils.errors import ConfigError
from tests.models.backbones.test_expert_mixture import check_paths, conv_expert, set_conv, set_logits, train_tiny


def two_levels(tasks=('a', 'b'), channels=(2, 1), kernel_size=1, **options):
    return PLEBackbone(list(tasks), levels=[dict(expert=conv_expert(c, kernel_size)) for c in channels], **options)


def test_the_shared_gate_feeds_the_next_levels_shared_experts_by_hand():
    net = two_levels(channels=(1, 1))
    first, second = net.levels
    set_conv(first.task_experts['a'][0], 1.0)  # on an image of ones: 3
    set_conv(first.task_experts['b'][0], 2.0)  # 6
    set_conv(first.shared_experts[0], 3.0)  # 9
    set_logits(first.shared_gate, [0.0, math.log(2.0), math.log(5.0)])  # over [a's, b's, shared]
    set_logits(first.task_gates['a'], [0.0, -1e4])  # over [a's, shared]: a's own only
    seen = {}
    second.shared_experts[0].register_forward_pre_hook(lambda m, args: seen.update(shared=args[0]))
    second.task_experts['a'][0].register_forward_pre_hook(lambda m, args: seen.update(a=args[0]))
    _, gates = net.forward_with_gates(torch.ones(2, 3, 4, 4))
    assert torch.allclose(seen['shared'], torch.full((2, 1, 4, 4), 3 / 8 + 12 / 8 + 45 / 8))
    assert torch.allclose(seen['a'], torch.full((2, 1, 4, 4), 3.0))
    assert torch.allclose(gates[0]['shared'], torch.tensor([[1 / 8, 2 / 8, 5 / 8]] * 2))
    assert gates[1]['shared'] is None and second.shared_gate is None  # the last level has no shared gate
    for level in gates:
        for weights in level['tasks'].values():
            assert torch.allclose(weights.sum(1), torch.ones(2))


def test_another_tasks_experts_reach_a_task_only_through_the_shared_gate():
    torch.manual_seed(0)
    net = two_levels(channels=(4, 4), kernel_size=3)
    x = torch.randn(2, 3, 8, 8)
    net(x)['a'].square().mean().backward()
    assert all(bool(p.grad.abs().sum() > 0) for p in net.levels[0].task_experts['b'].parameters())
    assert all(p.grad is None for p in net.levels[1].task_experts['b'].parameters())
    net.zero_grad(set_to_none=True)
    set_logits(net.levels[0].shared_gate, [-1e4, -1e4, 0.0])  # the shared gate passes the shared expert only
    net(x)['a'].square().mean().backward()
    assert all(float(p.grad.abs().sum()) == 0.0 for p in net.levels[0].task_experts['b'].parameters())


def test_shared_parameters_are_what_every_task_reaches_for_two_and_three_levels():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 8, 8)
    net = two_levels(tasks='abc', channels=(4, 4), kernel_size=3)
    paths = check_paths(net, x)
    shared = set.intersection(*paths.values())
    for prefix in ('levels.0.task_experts.', 'levels.0.shared_experts.', 'levels.0.shared_gate.',
                   'levels.1.shared_experts.'):  # every expert below the last level, through the shared gate
        assert {n for n, _ in net.named_parameters() if n.startswith(prefix)} <= shared, prefix
    assert not any(n.startswith(('levels.0.task_gates.', 'levels.1.task_')) for n in shared)
    deep = PLEBackbone(['a', 'b'], levels=[dict(expert=conv_expert(4, 3))] * 3)
    paths = check_paths(deep, x)
    shared = set.intersection(*paths.values())
    assert all(n in shared for n, _ in deep.levels[0].named_parameters(prefix='levels.0'))  # the first of three: all


def test_computing_one_task_runs_only_its_own_last_level_experts():
    torch.manual_seed(0)
    net = two_levels(channels=(4, 4), kernel_size=3, gate_input='input')
    runs = []
    net.levels[1].task_experts['b'][0].register_forward_hook(lambda *args: runs.append('last'))
    net.levels[0].task_experts['b'][0].register_forward_hook(lambda *args: runs.append('first'))
    x = torch.randn(2, 3, 8, 8)
    one = net(x, tasks=['a'])
    assert runs == ['first']  # below the last level the shared gate reads every task's experts
    torch.testing.assert_close(one['a'], net(x)['a'])
    assert net.levels[1].task_gates['a'].linear.in_features == 4  # the pooled output of the first level


def test_parameter_counts_by_hand():
    net = two_levels()  # level 1: experts (3 + 1)·2 = 8; level 2: experts (2 + 1)·1 = 3
    first = 3 * 8 + 2 * (2 * 2 + 1) * 2 + (3 * 2 + 1) * 3  # experts, task gates over 2, shared gate over 3
    second = 3 * 3 + 2 * (2 * 1 + 1) * 2
    assert net.parameter_counts(None, ['a', 'b'])['total'] == first + second == 86
    assert net.task_parameter_count('a') == (3 * 8 + 10 + 21) + (3 + 3 + 6)
    assert sum(p.numel() for p in net.shared_parameters()) == 3 * 8 + 21 + 3
    assert net.single_task_parameter_count() == 8 + 3
    per_level = PLEBackbone(['a', 'b'], levels=[dict(expert=conv_expert(2), num_task_experts=0),
                                                dict(expert=conv_expert(1), num_shared_experts=2)])
    assert [len(level.shared_experts) for level in per_level.levels] == [1, 2]
    assert [len(level.task_experts['a']) for level in per_level.levels] == [0, 1]


def test_wrong_levels_are_refused_naming_the_level():
    with pytest.raises(ConfigError, match=r'model.backbone.levels: is \[\]'):
        PLEBackbone(['a'], levels=[])
    with pytest.raises(ConfigError, match=r"model.backbone.levels\[1\]: has unknown keys \['experts'\]"):
        PLEBackbone(['a'], levels=[dict(expert=conv_expert()), dict(expert=conv_expert(), experts=2)])
    with pytest.raises(ConfigError, match=r'model.backbone.levels\[1\].expert.in_channels: is 3, but the expert '
                                          r'reads 2 channels'):
        PLEBackbone(['a'], levels=[dict(expert=conv_expert(2)), dict(expert=dict(conv_expert(), in_channels=3))])


@pytest.mark.slow
def test_a_tiny_training_runs_through_the_model(tmp_path):
    runner = train_tiny(tmp_path, dict(type='PLEBackbone', levels=[
        dict(expert=dict(type='DilatedResNet', width_multiplier=0.0625)),
        dict(expert=dict(type='ModularNetwork', layers=[dict(channels=8, components=[dict(type='conv')])]))]))
    assert runner.model.backbone.out_channels == 8 and runner.model.backbone.output_stride == 8
