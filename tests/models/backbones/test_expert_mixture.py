"""Experts and gates of the mixture backbones: hand-worked mixtures, gate inputs, expert configs refused."""
import math

import numpy as np
import pytest
import torch

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.models.backbones.expert_mixture import (SoftmaxGate, build_experts, gate_features, gate_in_features,
                                                    mix, pooled)
from mtlreg.models.backbones.mmoe import MMoEBackbone
from mtlreg.testing import tiny_config
from mtlreg.utils.errors import ConfigError


def conv_expert(channels=1, kernel_size=1):
    """A one-convolution expert (conv + ReLU): ``(in·k² + 1)·channels`` parameters."""
    return dict(type='ModularNetwork', layers=[dict(channels=channels, components=[
        dict(type='conv', kernel_size=kernel_size)])])


def expert_conv(expert):
    """The convolution of a :func:`conv_expert`."""
    return expert.layers[0][0][0]


def set_conv(expert, value):
    """Fill a :func:`conv_expert`'s weights with ``value`` and zero its bias."""
    conv = expert_conv(expert)
    with torch.no_grad():
        conv.weight.fill_(value)
        conv.bias.zero_()


def set_logits(gate, logits):
    """A softmax gate that ignores its input and gives ``softmax(logits)``."""
    with torch.no_grad():
        gate.linear.weight.zero_()
        gate.linear.bias.copy_(torch.as_tensor(logits, dtype=torch.float32))


def reached(net, x, task):
    """Names of the parameters ``task``'s loss (on a pass of every task) has a non-zero gradient for."""
    net.zero_grad(set_to_none=True)
    net(x)[task].square().mean().backward()
    names = {n for n, p in net.named_parameters() if p.grad is not None and bool(p.grad.abs().sum() > 0)}
    net.zero_grad(set_to_none=True)
    return names


def check_paths(net, x):
    """shared_parameters() is what every task's loss reaches; a task's count is what its loss reaches."""
    names = {id(p): n for n, p in net.named_parameters()}
    paths = {t: reached(net, x, t) for t in net.task_names}
    assert {names[id(p)] for p in net.shared_parameters()} == set.intersection(*paths.values())
    sizes = dict((n, p.numel()) for n, p in net.named_parameters())
    for task, path in paths.items():
        assert net.task_parameter_count(task) == sum(sizes[n] for n in path), task
    return paths


def train_tiny(tmp_path, backbone, balancer=None):
    """Two iterations of the tiny two-task run on ``backbone`` through the model and runner; its metrics."""
    cfg = tiny_config(str(tmp_path), iters=2, val_interval=2, backbone=backbone, balancer=balancer)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert all(np.isfinite(v) for v in metrics.values())
    counts = runner.model.parameter_counts()
    assert counts['total'] > 0 and {'task/seg', 'task/depth'} <= set(counts)
    return runner


def test_mix_is_the_weighted_sum_of_the_expert_maps_per_sample():
    a, b = torch.full((2, 1, 2, 2), 1.0), torch.full((2, 1, 2, 2), 5.0)
    weights = torch.tensor([[0.25, 0.75], [1.0, 0.0]])
    out = mix(weights, [a, b])
    assert torch.allclose(out[0], torch.full((1, 2, 2), 0.25 + 3.75))
    assert torch.allclose(out[1], torch.full((1, 2, 2), 1.0))
    vectors = mix(weights, [torch.ones(2, 3), torch.zeros(2, 3)])
    assert torch.allclose(vectors, torch.tensor([[0.25] * 3, [1.0] * 3]))


def test_softmax_gate_weights_are_positive_and_sum_to_one_per_sample():
    torch.manual_seed(0)
    gate = SoftmaxGate(5, 4)
    weights = gate(torch.randn(7, 5) * 10)
    assert weights.shape == (7, 4) and bool((weights > 0).all())
    assert torch.allclose(weights.sum(1), torch.ones(7))
    set_logits(gate, [0.0, math.log(3.0), 0.0, 0.0])
    assert torch.allclose(gate(torch.randn(2, 5)), torch.tensor([[1 / 6, 3 / 6, 1 / 6, 1 / 6]] * 2))


def test_gate_features_pool_the_input_or_the_mixed_experts():
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 2, 2)
    assert torch.equal(gate_features('input', x, []), x.mean((2, 3)))
    outputs = [torch.ones(2, 4, 3, 3), torch.zeros(2, 4, 3, 3)]
    features = gate_features('experts', x, outputs)
    assert features.shape == (2, 8) and torch.equal(features, torch.cat([torch.ones(2, 4), torch.zeros(2, 4)], 1))
    assert gate_in_features('input', 3, 4, 2) == 3 and gate_in_features('experts', 3, 4, 2) == 8
    assert torch.equal(pooled(torch.ones(2, 5)), torch.ones(2, 5))


def test_experts_are_independent_copies_of_one_config_with_the_input_channels():
    experts = build_experts(conv_expert(channels=2), 3, in_channels=1, where='model.backbone.expert')
    assert len(experts) == 3 and all(expert_conv(e).in_channels == 1 for e in experts)
    assert expert_conv(experts[0]).weight.data_ptr() != expert_conv(experts[1]).weight.data_ptr()
    assert len(build_experts(conv_expert(), 0, 3, 'model.backbone.expert')) == 0
    with pytest.raises(ConfigError, match=r"model.backbone.expert.in_channels: is 3, but the expert reads 1"):
        build_experts(dict(conv_expert(), in_channels=3), 1, in_channels=1, where='model.backbone.expert')
    with pytest.raises(ConfigError, match=r"model.backbone.expert: MMoEBackbone computes every task's features"):
        build_experts(dict(type=MMoEBackbone, expert=conv_expert()), 1, 3, 'model.backbone.expert')
    with pytest.raises(ConfigError, match=r"model.backbone.expert: is None \(expected the config of a backbone"):
        build_experts(None, 1, 3, 'model.backbone.expert')
