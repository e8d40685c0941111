"""ExcessMTL: the excess-risk weights worked by hand over two steps; torchjd's ExcessMTL; its state in a checkpoint."""
import math

import pytest
import torch

import mtlreg.models.balancers.excess_mtl  # noqa: F401  (registers ExcessMTLBalancer)
from tests.models.balancers.stateful_steps import build, check_resume, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])
J_ZERO_B = torch.stack([G_A, torch.zeros(3)])


def test_conflicting_gradients_then_the_same_then_a_zero_gradient():
    # step 1: S = J² = ((16, 1, 1), (36, 1, 1)), √S = |J|, Ê = Σ_j J²/|J| = Σ_j |J| = (6, 8) (the first step's
    # Ê itself): α = softmax(log ½ + (6, 8)) = (1/(1 + e²), e²/(1 + e²)) = (0.119203, 0.880797),
    # d = (4.807971, 1, 1)
    balancer = build('ExcessMTLBalancer')
    d, weights = step(balancer, J_CONFLICT)
    first = 1 / (1 + math.e ** 2)
    assert weights == pytest.approx({'a': first, 'b': 1 - first}, abs=1e-6)
    torch.testing.assert_close(d, torch.tensor([4.807971, 1.0, 1.0]), atol=1e-5, rtol=0)
    # the same gradients again: S = 2J², Ê = (6, 8)/√2, relative to Ê⁰ = (6, 8): (1/√2, 1/√2), the same for
    # both tasks, so the softmax keeps the weights
    _, weights = step(balancer, J_CONFLICT)
    assert weights == pytest.approx({'a': first, 'b': 1 - first}, abs=1e-6)


def test_a_task_at_its_optimum_loses_weight():
    # step 2 with g_b = 0: S_a = 2·(16, 1, 1), Ê_a = 16/√32 + 2/√2 = 3√2, relative 3√2/6 = 1/√2; Ê_b = 0.
    # α = softmax(log(0.119203, 0.880797) + (1/√2, 0)): α_a/α_b = e^(−2 + 1/√2) = 0.274476,
    # α = (0.215364, 0.784636), d = 0.215364 g_a = (−0.861454, 0.215364, 0.215364)
    balancer = build('ExcessMTLBalancer')
    step(balancer, J_CONFLICT)
    d, weights = step(balancer, J_ZERO_B)
    assert weights == pytest.approx({'a': 0.215364, 'b': 0.784636}, abs=1e-5)
    torch.testing.assert_close(d, torch.tensor([-0.861454, 0.215364, 0.215364]), atol=1e-5, rtol=0)


def test_warmup_keeps_uniform_weights_and_sets_the_baseline():
    # n_warmup_steps = 1: step 1 is uniform, d = (g_a + g_b)/2 = (1, 1, 1), and Ê⁰ = (6, 8). Step 2 with g_b = 0:
    # Ê relative = (1/√2, 0), α = softmax(log ½ + (1/√2, 0)) = (0.669762, 0.330238)
    balancer = build('ExcessMTLBalancer', n_warmup_steps=1)
    d, weights = step(balancer, J_CONFLICT)
    assert d.tolist() == [1.0, 1.0, 1.0] and weights == {'a': 0.5, 'b': 0.5}
    _, weights = step(balancer, J_ZERO_B)
    assert weights == pytest.approx({'a': 0.669762, 'b': 0.330238}, abs=1e-5)


def test_equals_torchjd_excess_mtl_over_steps_and_logs_its_weights_times_the_static_weights():
    from torchjd.aggregation import ExcessMTL
    torch.manual_seed(0)
    balancer = build('ExcessMTLBalancer', tasks=('a', 'b', 'c'), robust_step_size=0.5)
    balancer.task_weights = {'a': 2.0, 'b': 1.0, 'c': 0.5}
    reference = ExcessMTL(robust_step_size=0.5)
    for _ in range(3):
        jacobian = torch.randn(3, 3)
        d, logged = step(balancer, jacobian)
        weights = reference.weighting(jacobian)
        torch.testing.assert_close(d, weights @ jacobian)
        assert logged == pytest.approx({'a': 2.0 * float(weights[0]), 'b': float(weights[1]),
                                        'c': 0.5 * float(weights[2])}, rel=1e-5)


def test_the_state_survives_a_checkpoint_and_follows_the_dtype():
    check_resume('ExcessMTLBalancer', [J_CONFLICT, J_ZERO_B], J_CONFLICT)
    check_resume('ExcessMTLBalancer', [J_CONFLICT, J_ZERO_B], J_CONFLICT, n_warmup_steps=2)  # the warmup's sums
    resumed = check_resume('ExcessMTLBalancer', [J_CONFLICT, J_ZERO_B], J_CONFLICT.double())
    assert resumed.aggregator.weighting._sq_grad_sum.dtype == torch.float64
    assert resumed.aggregator.weighting._n_steps == 3  # continued, not restarted


@pytest.mark.parametrize('args, message', [
    (dict(robust_step_size=0.0), 'robust_step_size must be > 0, got 0.0'),
    (dict(n_warmup_steps=-1), 'n_warmup_steps must be an int >= 0, got -1'),
])
def test_arguments_are_checked(args, message):
    with pytest.raises(ValueError, match='ExcessMTLBalancer: ' + message):
        build('ExcessMTLBalancer', **args)
