"""CAGrad: the conflict-averse update worked by hand; torchjd's CAGrad on the same Jacobian; the solver extra."""
import math
import sys

import pytest
import torch

import mtlreg.models.balancers.cagrad  # noqa: F401  (registers CAGradBalancer)
from tests.models.balancers.stateful_steps import build, step
from tests.models.balancers.two_gradients import G_A, G_B


def test_conflicting_gradients_the_mean_bent_towards_the_worse_task():
    # g₀ = (g_a + g_b)/2 = (1, 1, 1), √φ = c‖g₀‖ = √3/2. On the simplex g_w = (u, 1, 1) with u = 6 − 10 w_a ∈ [−4, 6]:
    # F(u) = g_wᵀg₀ + √φ‖g_w‖ = u + 2 + (√3/2)√(u² + 2), F'(u) = 1 + (√3/2) u/√(u² + 2) > 0 (|u/√(u²+2)| < 1),
    # so the minimum is at u = −4: w = (1, 0), g_w = g_a, ‖g_w‖ = √18. d = g₀ + (√3/2)/√18 · g_a = g₀ + (√6/12) g_a
    # = (1 − √6/3, 1 + √6/12, 1 + √6/12) = (0.183503, 1.204124, 1.204124); row weights (1/2 + √6/12, 1/2).
    k = math.sqrt(6) / 12
    d, weights = step(build('CAGradBalancer'), torch.stack([G_A, G_B]))
    torch.testing.assert_close(d, torch.tensor([1 - 4 * k, 1 + k, 1 + k]), atol=1e-4, rtol=0)
    assert weights == pytest.approx({'a': 0.5 + k, 'b': 0.5}, abs=1e-4)
    assert float(G_A @ d) > 0.5  # task a improves, where the mean gradient hurts it (g_a · g₀ = −2)


def test_orthogonal_gradients_the_mean_lengthened_by_c():
    # g_a = e₁, g_b = e₂: g₀ = (½, ½, 0), ‖g₀‖ = 1/√2; g_wᵀg₀ = ½ for every w, so the minimum of ‖g_w‖ wins:
    # w = (½, ½), g_w = g₀. d = g₀ + (c/√2)/(1/√2) g₀ = 1.5 g₀ = (0.75, 0.75, 0); row weights ½ + c·½ = 0.75.
    d, weights = step(build('CAGradBalancer'), torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    torch.testing.assert_close(d, torch.tensor([0.75, 0.75, 0.0]), atol=1e-4, rtol=0)
    assert weights == pytest.approx({'a': 0.75, 'b': 0.75}, abs=1e-4)


def test_equal_gradients_and_c_zero():
    # g_a = g_b = g: g_w = g for every w, d = g + c‖g‖/‖g‖ g = 1.5 g (w itself is not unique; its weights sum to 1.5)
    g = torch.tensor([1.0, 2.0, 2.0])
    d, weights = step(build('CAGradBalancer'), torch.stack([g, g]))
    torch.testing.assert_close(d, 1.5 * g, atol=1e-4, rtol=0)
    assert sum(weights.values()) == pytest.approx(1.5, abs=1e-4)
    # c = 0: the ball is a point, d = g₀
    d, _ = step(build('CAGradBalancer', c=0.0), torch.stack([G_A, G_B]))
    torch.testing.assert_close(d, torch.tensor([1.0, 1.0, 1.0]), atol=1e-4, rtol=0)


def test_a_zero_gradient_is_pareto_stationary_and_gives_no_update():
    # g_b = 0: g₀ = g_a/2 and F(w) = w_a (g_aᵀg₀ + √φ‖g_a‖) = 13.5 w_a, smallest at w = (0, 1), where g_w = 0.
    # ‖g_w‖ < norm_eps: torchjd returns d = 0 (the official code would return g₀ there)
    d, weights = step(build('CAGradBalancer'), torch.stack([G_A, torch.zeros(3)]))
    torch.testing.assert_close(d, torch.zeros(3), atol=1e-6, rtol=0)
    assert weights == pytest.approx({'a': 0.0, 'b': 0.0}, abs=1e-6)


def test_equals_torchjd_cagrad_and_logs_its_weights_times_the_static_weights():
    from torchjd.aggregation import CAGrad
    torch.manual_seed(0)
    jacobian = torch.randn(3, 3)
    balancer = build('CAGradBalancer', tasks=('a', 'b', 'c'), c=0.4)
    balancer.task_weights = {'a': 2.0, 'b': 1.0, 'c': 0.5}
    d, logged = step(balancer, jacobian)
    reference = CAGrad(c=0.4)
    torch.testing.assert_close(d, reference(jacobian))
    w = reference.weighting(jacobian)
    assert logged == pytest.approx({'a': 2.0 * float(w[0]), 'b': float(w[1]), 'c': 0.5 * float(w[2])}, rel=1e-5)


def test_c_must_be_non_negative():
    with pytest.raises(ValueError, match='CAGradBalancer: c must be >= 0, got -0.1'):
        build('CAGradBalancer', c=-0.1)


@pytest.mark.parametrize('package', ['cvxpy', 'clarabel'])
def test_without_the_solver_the_build_fails_naming_the_balancer_the_package_and_the_command(package, monkeypatch):
    monkeypatch.setitem(sys.modules, package, None)  # an import of it now fails, as if it were not installed
    with pytest.raises(ImportError, match=rf"CAGradBalancer needs {package}, which is not installed; "
                                          r"install the solvers with: pip install 'mtlreg\[solvers\]'"):
        build('CAGradBalancer')
