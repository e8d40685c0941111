"""DB-MTL: the moving averages of the log-loss gradients rescaled to the largest norm, worked by hand; the tracked
gradients cover every shared parameter, follow the loss scale and resume."""
import io
import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.registry import BALANCERS
from tests.models.balancers.two_gradients import G_A, G_B, combine as _step

Q = math.sqrt(38.0 / 18.0)  # ‖G_B‖ / ‖G_A‖ = 1.45297


def _db(**args):
    return BALANCERS.build(dict(type='DBMTLBalancer', **args), default_args=dict(task_names=['a', 'b']))


def test_conflicting_then_zero_gradient_by_hand():
    balancer = _db(beta=0.9)
    assert balancer.current_weights() == {'a': 1.0, 'b': 1.0}
    # step 1: ĝ = 0.1 g: ‖ĝ_a‖ = 0.1√18, ‖ĝ_b‖ = 0.1√38 (the largest): factors (√38/√18, 1) = (1.45297, 1);
    # d = 0.1 (1.45297 · (−4, 1, 1) + (6, 1, 1)) = (0.01881, 0.24530, 0.24530)
    d, weights = _step(balancer)
    torch.testing.assert_close(d, 0.1 * (Q * G_A + G_B), atol=1e-6, rtol=0)
    assert d.tolist() == pytest.approx([0.01881, 0.24530, 0.24530], abs=1e-5)
    assert (weights['a'], weights['b']) == pytest.approx((Q, 1.0), rel=1e-6)
    # step 2, b's gradient 0: ĝ_a = 0.9 · 0.1 G_A + 0.1 G_A = 0.19 G_A, ĝ_b = 0.09 G_B; now a's norm is the largest
    # (0.19√18 = 0.8061 > 0.09√38 = 0.5548): d = 0.19 G_A + (0.19√18 / (0.09√38)) · 0.09 G_B = 0.19 (G_A + G_B / Q)
    d, weights = _step(balancer, G_A, torch.zeros(3))
    torch.testing.assert_close(d, 0.19 * (G_A + G_B / Q), atol=1e-6, rtol=0)
    assert (weights['a'], weights['b']) == pytest.approx((1.0, 0.19 / (0.09 * Q)), rel=1e-6)


def test_equal_and_zero_gradients_at_the_first_step_and_the_static_weights():
    g = torch.tensor([1.0, 2.0, 2.0])
    d, weights = _step(_db(), g, g)  # ĝ_a = ĝ_b = 0.1 g, factors 1: d = 0.2 g
    torch.testing.assert_close(d, 0.2 * g, atol=1e-6, rtol=0)
    d, weights = _step(_db(), g, torch.zeros(3))  # ĝ_b = 0 contributes nothing, weight 0: d = 0.1 g
    torch.testing.assert_close(d, 0.1 * g, atol=1e-6, rtol=0)
    assert weights == pytest.approx({'a': 1.0, 'b': 0.0})
    d, weights = _step(_db(task_weights={'b': 3.0}))  # λ scales the balanced terms: 0.1 (Q G_A + 3 G_B)
    torch.testing.assert_close(d, 0.1 * (Q * G_A + 3 * G_B), atol=1e-6, rtol=0)
    assert (weights['a'], weights['b']) == pytest.approx((Q, 3.0), rel=1e-6)


def test_decaying_beta_and_the_log_losses():
    g = torch.tensor([1.0, 2.0, 2.0])
    balancer = _db(beta=0.9, beta_sigma=0.5)
    _step(balancer, g, g)  # β_1 = 0.9: ĝ = 0.1 g
    d, _ = _step(balancer, g, g)  # β_2 = 0.9 / √2 = 0.63640: ĝ = 0.63640 · 0.1 g + 0.36360 g = 0.42724 g; d = 2 ĝ
    beta2 = 0.9 / math.sqrt(2.0)
    torch.testing.assert_close(d, 2 * (beta2 * 0.1 + 1 - beta2) * g, atol=1e-6, rtol=0)
    losses = {'a': torch.tensor(2.0, requires_grad=True), 'b': torch.tensor(0.5, requires_grad=True)}
    objective = _db(task_weights={'b': 2.0})(losses)  # log 2 + 2 log 0.5 = −log 2
    objective.backward()
    assert objective.item() == pytest.approx(-math.log(2.0), rel=1e-6)
    assert (losses['a'].grad.item(), losses['b'].grad.item()) == pytest.approx((0.5, 4.0), rel=1e-6)  # λ / L


def test_every_shared_parameter_is_tracked_and_the_loss_scale_is_undone():
    # q is reached by task a alone; the combination still covers it: with ∇ log L_a = (−4, 1, 1) on (p, q) and
    # ∇ log L_b = (6, 1, 0), d = 0.1 (‖g_b‖/‖g_a‖ · g_a + g_b) on p and q alike
    p, q = nn.Parameter(torch.zeros(2, dtype=torch.float64)), nn.Parameter(torch.zeros(1, dtype=torch.float64))
    def losses():
        return {'a': torch.exp(torch.tensor([-4.0, 1.0], dtype=torch.float64) @ p + q.sum()),
                'b': torch.exp(torch.tensor([6.0, 1.0], dtype=torch.float64) @ p)}
    balancer = _db(eps=1e-12)
    wrapper = OptimWrapper(torch.optim.SGD([p, q], lr=0.0), accumulative_counts=2)
    wrapper.initialize_count_status(balancer, 0, 10)
    recorded = []
    wrapper.step = lambda **kwargs: recorded.append(torch.cat([p.grad, q.grad]).float().clone())
    for _ in range(2):  # two micro-steps of one update: combined once, from their mean gradients
        step_losses = losses()
        balancer.update(step_losses, balancer(step_losses), lambda: [p, q], wrapper)
    g_a, g_b = torch.tensor([-4.0, 1.0, 1.0]), torch.tensor([6.0, 1.0, 0.0])
    expected = 0.1 * (g_b.norm() / g_a.norm() * g_a + g_b)  # the wrapper's 1/2 per micro-step, two micro-steps
    assert len(recorded) == 1
    torch.testing.assert_close(recorded[0], expected, atol=1e-6, rtol=0)
    assert balancer.grad_ema.shape == (2, 3)
    # (GradientBalancer hands the combination unscaled gradients: test_gradient_balancer.py)
    scaled = _db()
    _step(scaled, G_A, G_B)
    d, _ = _step(scaled, torch.tensor([float('inf'), 0.0, 0.0]), G_B)  # an overflow: no change, inf passed on
    assert not torch.isfinite(d).all() and int(scaled.task_steps[0]) == 1


def _saved(balancer):
    buffer = io.BytesIO()
    torch.save(balancer.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_resumes_bitwise_loads_strictly_before_the_first_step_and_stays_in_evaluation():
    original = _db(beta_sigma=0.3)
    before = _saved(original)
    assert before['grad_ema'].shape == (2, 0)
    _step(original)
    _step(original, torch.tensor([0.5, -1.0, 2.0]), torch.tensor([3.0, 0.0, -1.0]))
    after = _saved(original)
    resumed = _db(beta_sigma=0.3)
    resumed.load_state_dict(after, strict=True)  # a fresh balancer takes the sized state
    g_a, g_b = torch.tensor([1.0, 1.0, -3.0]), torch.tensor([-2.0, 0.5, 0.5])
    expected, expected_weights = _step(original, g_a, g_b)
    got, got_weights = _step(resumed, g_a, g_b)
    assert torch.equal(got, expected) and got_weights == expected_weights
    assert not torch.allclose(_step(_db(beta_sigma=0.3), g_a, g_b)[0], expected)  # the state matters
    state = _saved(original)
    original.eval()
    _step(original, g_a, g_b)
    assert all(torch.equal(v, original.state_dict()[k]) for k, v in state.items())
    original.train()
    original.load_state_dict(before, strict=True)  # back to before the first step
    assert original.grad_ema.shape == (2, 0)
    assert torch.equal(_step(original, g_a, g_b)[0], _step(_db(beta_sigma=0.3), g_a, g_b)[0])
