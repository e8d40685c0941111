"""GradVac: the cosine corrections worked by hand over two steps; torchjd's GradVac; φ̂ across a checkpoint."""
import math

import pytest
import torch

import mtlreg.models.balancers.gradvac  # noqa: F401  (registers GradVacBalancer)
from mtlreg.models.balancers.jacobian_balancer import step_seed
from tests.models.balancers.stateful_steps import build, check_resume, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])


def correction(norm_i, norm_j, phi, phi_hat):
    """Wang et al., Eq. 4: the multiple of g_j added to g_i when cos(g_i, g_j) = phi < phi_hat."""
    return norm_i * (phi_hat * math.sqrt(1 - phi ** 2) - phi * math.sqrt(1 - phi_hat ** 2)) / (
        norm_j * math.sqrt(1 - phi_hat ** 2))


def test_conflicting_gradients_over_two_steps():
    # step 1, φ̂ = 0: cos = −22/√(18·38) = −0.841191 < 0, the correction is PCGrad's projection:
    # g_a' = g_a + (22/38) g_b, g_b' = g_b + (22/18) g_a; d = (1 + 22/18) g_a + (1 + 22/38) g_b
    # = (0.584795, 3.801170, 3.801170)
    balancer = build('GradVacBalancer')
    d, weights = step(balancer, J_CONFLICT)
    assert weights == pytest.approx({'a': 40 / 18, 'b': 60 / 38}, rel=1e-5)
    torch.testing.assert_close(d, 40 / 18 * G_A + 60 / 38 * G_B)
    torch.testing.assert_close(d, torch.tensor([0.584795, 3.801170, 3.801170]), atol=1e-5, rtol=0)
    # step 2, the same gradients: φ̂ = ½ cos = −0.420596 and cos < φ̂ again. Eq. 4 with √(1 − cos²) = 0.540738,
    # √(1 − φ̂²) = 0.907248: g_a gets 0.406415 g_b, g_b gets 0.857988 g_a; weights (1.857988, 1.406415),
    # d = (1.006540, 3.264403, 3.264403)
    cos = -22 / math.sqrt(18 * 38)
    w_ab = correction(math.sqrt(18), math.sqrt(38), cos, cos / 2)
    w_ba = correction(math.sqrt(38), math.sqrt(18), cos, cos / 2)
    assert (w_ab, w_ba) == pytest.approx((0.406415, 0.857988), abs=1e-6)
    d, weights = step(balancer, J_CONFLICT)
    assert weights == pytest.approx({'a': 1 + w_ba, 'b': 1 + w_ab}, rel=1e-5)
    torch.testing.assert_close(d, torch.tensor([1.006540, 3.264403, 3.264403]), atol=1e-5, rtol=0)


def test_gradients_less_aligned_than_usual_are_corrected_though_they_do_not_conflict():
    # step 1: cos((1,0,0), (1,1,0)) = 1/√2 > φ̂ = 0, no correction: d = (2, 1, 0); φ̂ ← ½ · 1/√2 = 1/(2√2)
    balancer = build('GradVacBalancer')
    d, weights = step(balancer, torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
    assert d.tolist() == [2.0, 1.0, 0.0] and weights == {'a': 1.0, 'b': 1.0}
    # step 2: orthogonal unit gradients, cos = 0 < φ̂: each gets φ̂/√(1 − φ̂²) = (1/(2√2))/√(7/8) = 1/√7 of the
    # other, d = (1 + 1/√7)(1, 1, 0) = (1.377964, 1.377964, 0)
    d, weights = step(balancer, torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    torch.testing.assert_close(d, torch.tensor([1.0, 1.0, 0.0]) * (1 + 1 / math.sqrt(7)))
    assert weights == pytest.approx({'a': 1 + 1 / math.sqrt(7), 'b': 1 + 1 / math.sqrt(7)}, rel=1e-5)


def test_equal_gradients_and_a_zero_gradient_are_summed():
    # equal: cos = 1 is never below φ̂ ≤ 1, d = 2g. zero: cos = 0 = φ̂ (not below), d = g_a
    balancer = build('GradVacBalancer')
    g = torch.tensor([1.0, 2.0, 2.0])
    for _ in range(2):
        torch.testing.assert_close(step(balancer, torch.stack([g, g]))[0], 2 * g)
    d, _ = step(build('GradVacBalancer'), torch.stack([G_A, torch.zeros(3)]))
    torch.testing.assert_close(d, G_A)


def test_equals_torchjd_gradvac_over_steps_under_the_same_task_orders():
    from torchjd.aggregation import GradVac
    torch.manual_seed(0)
    jacobians = [torch.randn(3, 3) for _ in range(4)]
    balancer = build('GradVacBalancer', tasks=('a', 'b', 'c'), beta=0.3, seed=2)
    balancer.task_weights = {'a': 2.0, 'b': 1.0, 'c': 0.5}
    reference = GradVac(beta=0.3)
    for i, jacobian in enumerate(jacobians):
        d, logged = step(balancer, jacobian)
        torch.manual_seed(step_seed(2, torch.tensor(i)))
        weights = reference.weighting(jacobian)
        torch.testing.assert_close(d, weights @ jacobian)
        assert logged == pytest.approx({'a': 2.0 * float(weights[0]), 'b': float(weights[1]),
                                        'c': 0.5 * float(weights[2])}, rel=1e-5)


def test_phi_hat_survives_a_checkpoint_and_follows_the_dtype():
    torch.manual_seed(0)
    history = [torch.randn(3, 3) for _ in range(3)]
    following = torch.randn(3, 3)
    check_resume('GradVacBalancer', history, following, tasks=('a', 'b', 'c'))
    resumed = check_resume('GradVacBalancer', history, following.double(), tasks=('a', 'b', 'c'))
    assert resumed.aggregator.gramian_weighting._phi_t.dtype == torch.float64


def test_beta_is_checked():
    with pytest.raises(ValueError, match=r'GradVacBalancer: beta must be in \[0, 1\], got 1.5'):
        build('GradVacBalancer', beta=1.5)
