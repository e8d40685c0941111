"""DSelect-k: the smooth step, binary codes that select exactly the chosen experts, its regularisers."""
import copy
import math

import pytest
import torch

from mtlreg.models.backbones.dselect_k import (DSelectKBackbone, DSelectKGate, binary_codes, selector_entropy,
                                               smooth_step, unreachable_penalty)
from mtlreg.utils.errors import ConfigError
from tests.models.backbones.test_expert_mixture import check_paths, conv_expert, set_conv, train_tiny


def set_selectors(gate, bits, selector_logits):
    """A gate that ignores its input: selector logits ``bits`` ``[k, m]``, mixed by ``softmax(selector_logits)``."""
    with torch.no_grad():
        gate.selectors.weight.zero_()
        gate.selectors.bias.copy_(torch.tensor(bits, dtype=torch.float32).flatten())
        gate.selector_weights.weight.zero_()
        gate.selector_weights.bias.copy_(torch.tensor(selector_logits, dtype=torch.float32))


def test_the_smooth_step_is_zero_then_a_cubic_then_one_with_flat_ends():
    gamma = 2.0
    t = torch.tensor([-5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 5.0], requires_grad=True)
    s = smooth_step(t, gamma)
    cubic = lambda v: -2 / gamma ** 3 * v ** 3 + 3 / (2 * gamma) * v + 0.5  # noqa: E731
    assert s.tolist() == pytest.approx([0.0, 0.0, cubic(-0.5), 0.5, cubic(0.5), 1.0, 1.0])
    s.sum().backward()
    assert t.grad.tolist() == pytest.approx([0.0, 0.0, 3 / 4 - 6 / 8 * 0.25, 3 / 4, 3 / 4 - 6 / 8 * 0.25, 0.0, 0.0])
    near = torch.tensor([-1.0 + 1e-4, 1.0 - 1e-4])  # the derivative tends to 0 at ±γ/2: continuously differentiable
    assert smooth_step(near, gamma).tolist() == pytest.approx([0.0, 1.0], abs=1e-7)
    assert torch.isfinite(smooth_step(torch.tensor([1e30, -1e30], requires_grad=True), 1.0).sum()).item()


def test_binary_codes_are_the_experts_indices_most_significant_bit_first():
    assert binary_codes(5, 3).int().tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0]]


def test_saturated_selectors_give_exactly_the_encoded_experts():
    gate = DSelectKGate(in_features=3, num_experts=4, k=2)
    set_selectors(gate, [[1.0, -1.0], [-1.0, 1.0]], [math.log(3.0), 0.0])  # codes 10 and 01: experts 2 and 1
    weights = gate(torch.randn(5, 3))
    assert torch.allclose(weights, torch.tensor([[0.0, 0.25, 0.75, 0.0]] * 5))
    assert torch.equal(weights > 0, torch.tensor([[False, True, True, False]] * 5))  # exactly these k experts
    set_selectors(gate, [[1.0, 1.0], [1.0, 1.0]], [0.0, 0.0])  # both select expert 3: fewer than k
    assert gate(torch.randn(1, 3)).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    set_selectors(gate, [[0.2, -0.1], [0.0, 0.3]], [0.0, 0.0])  # not yet binary: every expert has weight
    soft = gate(torch.randn(2, 3))
    assert bool((soft > 0).all()) and torch.allclose(soft.sum(1), torch.ones(2))


def test_selection_is_per_sample_and_the_features_are_the_selected_mixture():
    net = DSelectKBackbone(['a'], expert=conv_expert(channels=1), num_experts=2, k=1, gate_input='input',
                           in_channels=1)
    set_conv(net.experts[0], 1.0)
    set_conv(net.experts[1], 2.0)
    with torch.no_grad():
        net.gates['a'].selectors.weight.fill_(10.0)  # the bit is 1 where the image's mean is > 0.05
        net.gates['a'].selectors.bias.zero_()
    x = torch.stack([torch.ones(1, 3, 3), -torch.ones(1, 3, 3)])
    features, gates = net.forward_with_gates(x)
    assert gates['a'].tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert torch.equal(features['a'][0], torch.full((1, 3, 3), 2.0))  # expert 1 on ones: 2
    assert torch.equal(features['a'][1], torch.zeros(1, 3, 3))  # expert 0 on minus ones: ReLU(−1) = 0


def test_at_initialisation_every_expert_has_weight_near_one_over_n():
    torch.manual_seed(0)
    net = DSelectKBackbone(['a', 'b'], expert=conv_expert(channels=2, kernel_size=3), num_experts=4, k=2)
    _, gates = net.forward_with_gates(torch.randn(3, 3, 8, 8))
    for weights in gates.values():
        assert torch.allclose(weights.sum(1), torch.ones(3)) and torch.allclose(weights, torch.full((3, 4), 0.25),
                                                                                atol=0.02)
    check_paths(net, torch.randn(3, 3, 8, 8))  # every expert is shared (any may be selected), the gates are not
    assert len(net.shared_parameters()) == len(list(net.experts.parameters()))


def test_the_entropy_and_reachability_regularisers_by_hand():
    half = torch.full((2, 2, 4), 0.25)  # two selectors, each uniform over 4 codes
    assert float(selector_entropy(half)) == pytest.approx(2 * math.log(4), rel=1e-4)
    assert float(selector_entropy(torch.tensor([[[0.0, 1.0, 0.0]]]))) == pytest.approx(0.0, abs=1e-5)  # binary
    assert float(unreachable_penalty(torch.full((1, 2, 3), 0.25))) == pytest.approx(2 * 4 / 3)  # 3 of 4 codes
    torch.manual_seed(0)
    net = DSelectKBackbone(['a', 'b'], expert=conv_expert(channels=2), num_experts=3, k=2, entropy_weight=0.1)
    x = torch.randn(2, 3, 4, 4)
    net(x)
    terms = net.regularizers()
    assert set(terms) == {'reg_entropy', 'reg_reachable'}
    # near S = 1/2: per selector 3 reachable codes of weight 1/4; 2 tasks of 2 selectors
    assert float(terms['reg_entropy'].detach()) == pytest.approx(0.1 * 2 * 2 * 3 / 4 * math.log(4), rel=1e-2)
    assert float(terms['reg_reachable'].detach()) == pytest.approx(2 * 2 * 4 / 3, rel=1e-2)
    terms['reg_entropy'].backward()
    assert net.gates['a'].selectors.weight.grad is not None
    net(x, tasks=['a'])
    reachable = net.regularizers()['reg_reachable'].detach()
    assert float(reachable) == pytest.approx(2 * 4 / 3, rel=1e-2)  # the tasks that ran: a
    copy.deepcopy(net)  # the last pass's selectors are not copied
    net.eval()
    net(x)
    assert net.regularizers() == {}
    power = DSelectKBackbone(['a'], expert=conv_expert(), num_experts=4, k=2)
    power(x)
    assert power.regularizers() == {}  # entropy off, every code an expert


def test_parameter_counts_by_hand_and_wrong_settings_refused():
    net = DSelectKBackbone(['a', 'b'], expert=conv_expert(channels=2), num_experts=4, k=2)  # experts: 8 each
    gate = (4 * 2 + 1) * (2 * 2) + (4 * 2 + 1) * 2  # k·m = 4 selector logits and k = 2 selector weights
    assert net.task_parameter_count('a') == 4 * 8 + gate and net.single_task_parameter_count() == 8
    assert net.parameter_counts(None, ['a', 'b'])['total'] == 4 * 8 + 2 * gate
    with pytest.raises(ConfigError, match=r'model.backbone.k: is 5, more than the 4 experts'):
        DSelectKBackbone(['a'], expert=conv_expert(), num_experts=4, k=5)
    with pytest.raises(ConfigError, match=r'model.backbone.num_experts: is 1 \(expected an integer >= 2\)'):
        DSelectKBackbone(['a'], expert=conv_expert(), num_experts=1, k=1)
    with pytest.raises(ConfigError, match=r'model.backbone.gamma: is 0 \(expected a finite number > 0\)'):
        DSelectKBackbone(['a'], expert=conv_expert(), gamma=0)


@pytest.mark.slow
def test_a_tiny_training_runs_through_the_model(tmp_path):
    runner = train_tiny(tmp_path, dict(type='DSelectKBackbone', num_experts=4, k=2, entropy_weight=1e-3,
                                       expert=dict(type='DilatedResNet', width_multiplier=0.0625)))
    assert runner.model.backbone.out_channels == 32
