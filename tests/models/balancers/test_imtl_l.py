"""IMTL-L: the scaled losses, their gradients and the scales' descent, worked by hand; the scales resume."""
import math

import pytest
import torch

from mtlreg.registry import BALANCERS


def _imtl_l(**args):
    return BALANCERS.build(dict(type='IMTLLBalancer', **args), default_args=dict(task_names=['a', 'b']))


def _losses(a, b):
    return {'a': torch.tensor(a, requires_grad=True), 'b': torch.tensor(b, requires_grad=True)}


def test_scaled_losses_and_their_gradients():
    balancer = _imtl_l(task_weights={'b': 3.0})
    assert balancer.current_weights() == {'a': 1.0, 'b': 3.0}  # s = 0: the scales are 1
    with torch.no_grad():
        balancer.log_scales[1] = math.log(2.0)
    losses = _losses(3.0, 0.5)
    objective = balancer(losses)
    # a: e^0 · 3 − 0 = 3; b: 3 · (e^{ln 2} · 0.5 − ln 2) = 3 · (1 − ln 2)
    assert objective.item() == pytest.approx(3.0 + 3.0 * (1.0 - math.log(2.0)), rel=1e-6)
    objective.backward()
    # ∂/∂L_k = λ_k e^{s_k}: 1 and 3 · 2; ∂/∂s_k = λ_k (e^{s_k} L_k − 1): 3 − 1 = 2 and 3 · (1 − 1) = 0
    # (b at its optimum)
    assert (losses['a'].grad.item(), losses['b'].grad.item()) == pytest.approx((1.0, 6.0), rel=1e-6)
    assert balancer.log_scales.grad.tolist() == pytest.approx([2.0, 0.0], abs=1e-6)
    assert balancer.current_weights() == pytest.approx({'a': 1.0, 'b': 6.0}, rel=1e-6)


def test_gradient_descent_drives_the_scales_towards_one_over_the_loss():
    balancer = _imtl_l()
    optimizer = torch.optim.SGD(balancer.parameters(), lr=0.5)
    expected = [0.0, 0.0]
    for _ in range(3):  # fixed losses 3 and 1: s ← s − 0.5 (e^s L − 1)
        optimizer.zero_grad()
        balancer(_losses(3.0, 1.0)).backward()
        optimizer.step()
        expected = [s - 0.5 * (math.exp(s) * loss - 1.0) for s, loss in zip(expected, (3.0, 1.0))]
    # a: 0 → 0 − 0.5 · 2 = −1 → −1 − 0.5 (3/e − 1) = −1.05182 → −1.05182 − 0.5 (3 e^{−1.05182} − 1) = −1.07577,
    # towards −ln 3 = −1.0986; b stays at 0 (e^0 · 1 = 1)
    assert expected[0] == pytest.approx(-1.07577, abs=1e-5)
    assert balancer.log_scales.tolist() == pytest.approx(expected, abs=1e-6)
    assert balancer.current_weights()['a'] == pytest.approx(math.exp(expected[0]), rel=1e-6)


def test_the_scales_resume_and_do_not_move_in_evaluation():
    before = _imtl_l().state_dict()
    trained = _imtl_l(init_scale=0.0)
    optimizer = torch.optim.SGD(trained.parameters(), lr=0.3)
    for a, b in ((2.0, 0.2), (1.5, 0.3)):
        optimizer.zero_grad()
        trained(_losses(a, b)).backward()
        optimizer.step()
    resumed = _imtl_l()
    resumed.load_state_dict(trained.state_dict(), strict=True)
    losses = _losses(1.2, 0.4)
    assert torch.equal(resumed(losses), trained(losses))
    assert resumed.current_weights() == trained.current_weights()
    _imtl_l().load_state_dict(before, strict=True)
    trained.load_state_dict(before, strict=True)
    assert trained.log_scales.tolist() == [0.0, 0.0]
    trained.eval()
    trained(_losses(5.0, 5.0))
    assert trained.log_scales.tolist() == [0.0, 0.0]
