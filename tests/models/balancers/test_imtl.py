"""IMTL: IMTL-G's combination of the gradients of IMTL-L's scaled losses, worked by hand; the scales resume."""
import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.registry import BALANCERS
from tests.models.balancers.two_gradients import G_A, G_B


def _imtl(**args):
    return BALANCERS.build(dict(type='IMTLBalancer', **args), default_args=dict(task_names=['a', 'b']))


def imtl_g_two_tasks(g1, g2):
    """The paper's closed form for two tasks: d = α g1 + (1 − α) g2 with d·u1 = d·u2, so d·(u1 − u2) = 0 and
    α = g2·(u1 − u2) / ((g2 − g1)·(u1 − u2))."""
    u1, u2 = g1 / g1.norm(), g2 / g2.norm()
    alpha = float(g2 @ (u1 - u2) / ((g2 - g1) @ (u1 - u2)))
    return alpha, alpha * g1 + (1 - alpha) * g2


def test_a_step_combines_the_gradients_of_the_scaled_losses_and_trains_the_scales():
    balancer = _imtl()
    with torch.no_grad():
        balancer.log_scales[0] = math.log(2.0)
    theta = nn.Parameter(torch.zeros(3, dtype=torch.float64))
    losses = {'a': 10 + G_A.double() @ theta, 'b': 10 + G_B.double() @ theta}  # ∇L = G_A, G_B; L = 10
    wrapper = OptimWrapper(torch.optim.SGD([theta, balancer.log_scales], lr=0.1))
    seen = {}
    wrapper.step = lambda **kwargs: seen.update(theta=theta.grad.clone(), scales=balancer.log_scales.grad.clone())
    balancer.update(losses, balancer(losses), lambda: [theta], wrapper)
    # conflicting gradients of the scaled losses: 2 G_A = (−8, 2, 2) and G_B = (6, 1, 1);
    # α_a = 0.4208, α_b = 0.5792, d = (0.1090, 1.4208, 1.4208), d·u_a = d·u_b = 0.5670
    alpha, d = imtl_g_two_tasks(2 * G_A.double(), G_B.double())
    assert alpha == pytest.approx(0.4208, abs=1e-4)
    torch.testing.assert_close(seen['theta'], d, atol=1e-6, rtol=0)
    # IMTL-G alone on (G_A, G_B): α⁰ = (0.5923, 0.4077), d⁰ = (0.0767, 1, 1); the scales keep d's direction and
    # set its length: d = d⁰ / (α⁰_a / 2 + α⁰_b / 1) = 1.4208 d⁰
    alpha0, d0 = imtl_g_two_tasks(G_A.double(), G_B.double())
    torch.testing.assert_close(d, d0 / (alpha0 / 2 + (1 - alpha0)), atol=1e-12, rtol=0)
    # the scales get the scaled losses' gradient e^s L − 1 = (2 · 10 − 1, 10 − 1)
    assert seen['scales'].tolist() == pytest.approx([19.0, 9.0], rel=1e-6)
    # logged: the effective weights on the raw gradients, α_k e^{s_k} = (0.8416, 0.5792); d = Σ_k w_k G_k
    weights = balancer.current_weights()
    assert (weights['a'], weights['b']) == pytest.approx((2 * alpha, 1 - alpha), rel=1e-5)
    torch.testing.assert_close(weights['a'] * G_A.double() + weights['b'] * G_B.double(), d, atol=1e-5, rtol=0)


def test_orthogonal_gradients_get_equal_projections():
    balancer = _imtl()
    with torch.no_grad():
        balancer.log_scales[0] = math.log(2.0)
    # scaled gradients (2, 0, 0) and (0, 1, 0): d = (2α, 1 − α, 0), d·u_a = 2α = d·u_b = 1 − α
    # → α = 1/3, d = (2/3, 2/3, 0)
    out = balancer.shared_gradients({'a': [torch.tensor([2.0, 0.0]), torch.tensor([0.0])],
                                     'b': [torch.tensor([0.0, 1.0]), torch.tensor([0.0])]})
    torch.testing.assert_close(torch.cat(out), torch.tensor([2 / 3, 2 / 3, 0.0]), atol=1e-6, rtol=0)
    assert balancer.current_weights() == pytest.approx({'a': 2 / 3, 'b': 2 / 3}, rel=1e-5)  # α e^s = (1/3 · 2, 2/3)


def test_objective_scales_and_resume():
    balancer = _imtl(task_weights={'b': 2.0})
    assert balancer.current_weights() == {'a': 1.0, 'b': 2.0}
    before = {k: v.clone() for k, v in balancer.state_dict().items()}
    with torch.no_grad():
        balancer.log_scales.copy_(torch.tensor([0.5, -0.25]))
    losses = {'a': torch.tensor(2.0), 'b': torch.tensor(4.0)}
    # (e^0.5 · 2 − 0.5) + 2 (e^−0.25 · 4 + 0.25)
    assert balancer(losses).item() == pytest.approx(math.exp(0.5) * 2 - 0.5 + 2 * (math.exp(-0.25) * 4 + 0.25))
    resumed = _imtl(task_weights={'b': 2.0})
    resumed.load_state_dict(balancer.state_dict(), strict=True)
    assert torch.equal(resumed(losses), balancer(losses))
    jacobian = {'a': [G_A[:2], G_A[2:]], 'b': [G_B[:2], G_B[2:]]}
    pairs = zip(resumed.shared_gradients(jacobian), balancer.shared_gradients(jacobian))
    assert all(torch.equal(x, y) for x, y in pairs)
    assert resumed.current_weights() == balancer.current_weights()
    _imtl(task_weights={'b': 2.0}).load_state_dict(before, strict=True)
