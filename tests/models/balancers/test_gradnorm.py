"""GradNorm: the gradient of the GradNorm loss with respect to the weights and their renormalisation, worked by
hand; the last shared layer in a model step; the state resumes."""
import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mtlreg.models.balancers.gradnorm import last_shared_layer
from mtlreg.registry import BALANCERS, MODELS, register_all_modules
from tests.models.balancers.two_gradients import G_A, G_B

register_all_modules()

R18, R38 = math.sqrt(18.0), math.sqrt(38.0)  # ‖G_A‖, ‖G_B‖


def _gradnorm(**args):
    return BALANCERS.build(dict(type='GradNormBalancer', **args), default_args=dict(task_names=['a', 'b']))


def _step(balancer, losses, g_a=G_A, g_b=G_B):
    """Note the losses, combine the gradients; the combination and the gradient of the weights."""
    balancer.record_losses({t: torch.tensor(v) for t, v in losses.items()})
    out = balancer.shared_gradients({'a': [g_a[:2], g_a[2:]], 'b': [g_b[:2], g_b[2:]]})
    grad = balancer.loss_weights.grad.clone()
    balancer.loss_weights.grad = None
    return torch.cat(out), grad


def test_conflicting_gradients_two_steps_by_hand():
    balancer = _gradnorm(alpha=1.5)
    # step 1: L(0) = (2, 1), so r = (1, 1); w = 1: G = (√18, √38), Ḡ = (√18 + √38)/2 = 5.2035, the targets are Ḡ:
    # sign(G − Ḡ) = (−1, +1), ∂L_grad/∂w = sign · ‖g‖ = (−√18, +√38); d = G_A + G_B = (2, 2, 2)
    d, grad = _step(balancer, {'a': 2.0, 'b': 1.0})
    assert d.tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert grad.tolist() == pytest.approx([-R18, R38], rel=1e-6)
    assert balancer.initial_losses.tolist() == [2.0, 1.0]
    # a gradient step (lr 0.1) and the renormalisation to Σw = 2:
    # w = (1 + 0.1√18, 1 − 0.1√38) = (1.42426, 0.38356) → × 2 / 1.80782 = (1.57566, 0.42434)
    with torch.no_grad():
        balancer.loss_weights -= 0.1 * grad
    balancer.renormalise()
    w = torch.tensor([1 + 0.1 * R18, 1 - 0.1 * R38])
    w = 2 * w / w.sum()
    assert w.tolist() == pytest.approx([1.57566, 0.42434], abs=1e-5)
    assert balancer.loss_weights.tolist() == pytest.approx(w.tolist(), rel=1e-6)
    assert balancer.current_weights() == pytest.approx({'a': float(w[0]), 'b': float(w[1])}, rel=1e-6)
    # step 2: L = (1, 1): L̃ = (0.5, 1), r = (2/3, 4/3), r^1.5 = (0.5443, 1.5396); G = (1.57566√18, 0.42434√38) =
    # (6.6850, 2.6158), Ḡ = 4.6504, targets (2.5312, 7.1597): sign = (+1, −1), ∂L_grad/∂w = (+√18, −√38):
    # task b, which trains slower, gains weight back
    d, grad = _step(balancer, {'a': 1.0, 'b': 1.0})
    assert grad.tolist() == pytest.approx([R18, -R38], rel=1e-6)
    torch.testing.assert_close(d, w[0] * G_A + w[1] * G_B, atol=1e-5, rtol=0)


def test_equal_and_zero_gradients():
    g = torch.tensor([1.0, 2.0, 2.0])  # ‖g‖ = 3
    balancer = _gradnorm()
    # equal gradients at the first step: G = (3, 3) = Ḡ = the targets: the GradNorm loss is 0, so is its gradient
    _, grad = _step(balancer, {'a': 1.0, 'b': 1.0}, g, g)
    assert grad.tolist() == [0.0, 0.0]
    # then L = (1, 2): r = (2/3, 4/3), targets = 3 · r^1.5 = (1.633, 4.619); sign(3 − targets) = (+1, −1): (+3, −3)
    _, grad = _step(balancer, {'a': 1.0, 'b': 2.0}, g, g)
    assert grad.tolist() == pytest.approx([3.0, -3.0])
    # a zero gradient for b (a fresh balancer): G = (3, 0), Ḡ = 1.5; ∂L_grad/∂w = (+1 · 3, −1 · 0) = (3, 0)
    d, grad = _step(_gradnorm(), {'a': 1.0, 'b': 1.0}, g, torch.zeros(3))
    assert grad.tolist() == pytest.approx([3.0, 0.0]) and d.tolist() == g.tolist()


def test_softmax_weighting_and_warmup_options():
    balancer = _gradnorm(weighting='softmax')
    # w = 2 softmax(θ), θ = 0: ∂L_grad/∂θ_j = 2 z_j (∂L_grad/∂w_j − z·∂L_grad/∂w) with z = 1/2 and ∂L_grad/∂w =
    # (−√18, √38): ∓(√18 + √38)/2 = ∓5.2035
    _, grad = _step(balancer, {'a': 2.0, 'b': 1.0})
    assert grad.tolist() == pytest.approx([-(R18 + R38) / 2, (R18 + R38) / 2], rel=1e-6)
    assert balancer.current_weights() == {'a': 1.0, 'b': 1.0}
    # warm-up of two steps: no gradient for the weights, L(0) = the mean losses (3, 2)
    balancer = _gradnorm(warmup_iters=2)
    for losses in ({'a': 4.0, 'b': 2.0}, {'a': 2.0, 'b': 2.0}):
        balancer.record_losses({t: torch.tensor(v) for t, v in losses.items()})
        balancer.shared_gradients({'a': [G_A[:2], G_A[2:]], 'b': [G_B[:2], G_B[2:]]})
        assert balancer.loss_weights.grad is None
    assert balancer.initial_losses.tolist() == [3.0, 2.0]
    # step 3: L = (3, 1): L̃ = (1, 0.5), r = (4/3, 2/3), targets Ḡ · (1.5396, 0.5443) = (8.0114, 2.8323): (−√18, +√38)
    _, grad = _step(balancer, {'a': 3.0, 'b': 1.0})
    assert grad.tolist() == pytest.approx([-R18, R38], rel=1e-6)


def _model():
    with DefaultScope.overwrite_default_scope('mtlreg'):
        return MODELS.build(dict(
            type='MultiTaskModel', balancer=dict(type='GradNormBalancer'),
            backbone=dict(type='ModularNetwork', vector_input=True, in_channels=2,
                          layers=[dict(channels=2, components=[dict(type='fc', final_relu=False)])]),
            tasks=dict(a=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss')),
                       b=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss'),
                              weight=2.0))))


def test_a_model_step_uses_the_last_shared_layer_and_the_models_optimiser():
    torch.manual_seed(0)
    model = _model()
    data = dict(inputs=torch.randn(8, 2), data_samples=dict(a=torch.randn(8, 1), b=3 * torch.randn(8, 1)))
    layer = last_shared_layer(model.shared_parameters())
    assert len(layer) == 1 and layer[0].dim() == 2 and layer[0] is model.shared_parameters()[-2]  # weight, not bias
    losses = model.loss(**data)
    norms = torch.stack([torch.autograd.grad(weight * losses[f'loss_{t}'], layer, retain_graph=True)[0].norm()
                         for t, weight in (('a', 1.0), ('b', 2.0))])
    expected = torch.sign(norms - norms.mean()) * norms  # first step: the targets are Ḡ
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 10)
    step, seen = wrapper.step, []
    wrapper.step = lambda **kwargs: (seen.append(model.balancer.loss_weights.grad.clone()), step(**kwargs))
    model.train_step(data, wrapper)  # the first of two micro-steps: nothing is combined yet
    assert model.balancer.loss_weights.grad is None and not seen
    model.train_step(data, wrapper)  # the step: one weight gradient (1/2 per micro-step, two micro-steps)
    torch.testing.assert_close(seen[0], expected, atol=1e-6, rtol=0)
    # the weights moved and are renormalised
    assert model.balancer.loss_weights.sum().item() == pytest.approx(2.0, rel=1e-6)
    assert model.balancer.loss_weights[0].item() != pytest.approx(1.0, abs=1e-4)
    others = [p for p in model.parameters() if p is not model.balancer.loss_weights]
    with pytest.raises(ValueError, match='GradNormBalancer: the optimiser of this step does not hold'):
        model.train_step(data, OptimWrapper(torch.optim.SGD(others, lr=0.1)))
    # a step that trains other parameters (a policy's architecture phase) leaves the GradNorm state alone
    heads = [p for p in model.heads.parameters()]
    weights, steps = model.balancer.loss_weights.detach().clone(), int(model.balancer.steps)
    model.balancer.loss_weights.grad = None
    model.train_step(data, OptimWrapper(torch.optim.SGD(heads, lr=0.1)))
    assert torch.equal(model.balancer.loss_weights.detach(), weights) and model.balancer.loss_weights.grad is None
    assert int(model.balancer.steps) == steps


def test_state_resumes_bitwise_and_evaluation_changes_nothing():
    balancer = _gradnorm()
    before = {k: v.clone() for k, v in balancer.state_dict().items()}
    _gradnorm().load_state_dict(before, strict=True)
    _, grad = _step(balancer, {'a': 2.0, 'b': 1.0})
    with torch.no_grad():
        balancer.loss_weights -= 0.05 * grad
    balancer.renormalise()
    resumed = _gradnorm()
    resumed.load_state_dict(balancer.state_dict(), strict=True)
    g_a, g_b = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.3, 0.1, 4.0])
    expected = _step(balancer, {'a': 1.5, 'b': 0.9}, g_a, g_b)
    got = _step(resumed, {'a': 1.5, 'b': 0.9}, g_a, g_b)
    assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])
    assert resumed.current_weights() == balancer.current_weights()
    assert not torch.equal(_step(_gradnorm(), {'a': 1.5, 'b': 0.9}, g_a, g_b)[1], expected[1])  # the state matters
    state = {k: v.clone() for k, v in balancer.state_dict().items()}
    balancer.eval()
    balancer.record_losses({'a': torch.tensor(9.0), 'b': torch.tensor(9.0)})
    balancer(dict(a=torch.tensor(9.0), b=torch.tensor(9.0)))
    assert all(torch.equal(v, balancer.state_dict()[k]) for k, v in state.items())
    balancer.load_state_dict(before, strict=True)
    assert balancer.loss_weights.tolist() == [1.0, 1.0] and int(balancer.steps) == 0
