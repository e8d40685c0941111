"""Nash-MTL: the bargaining solution worked by hand; torchjd's NashMTL; its state across a checkpoint; the extra."""
import math
import sys

import pytest
import torch

import mtlreg.models.balancers.fairgrad  # noqa: F401  (registers FairGradBalancer)
import mtlreg.models.balancers.nash_mtl  # noqa: F401  (registers NashMTLBalancer)
from tests.models.balancers.stateful_steps import build, check_resume, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])
J_ORTHOGONAL = torch.tensor([[3.0, 0.0, 0.0], [0.0, 4.0, 0.0]])


def test_conflicting_gradients_the_bargaining_solution():
    # Gα = 1/α for two tasks: with t_k = α_k‖g_k‖ and cos = g_a·g_b/(‖g_a‖‖g_b‖) the two equations
    # t_a² + cos t_a t_b = 1 = t_b² + cos t_a t_b give t_a = t_b = 1/√(1 + cos). cos = −22/√(18·38) = −0.841191:
    # α = (1/(√18 · 0.398509), 1/(√38 · 0.398509)) = (0.591461, 0.407072), d = (0.076587, 0.998535, 0.998535)
    cos = float(G_A @ G_B) / math.sqrt(18 * 38)
    alpha = torch.tensor([1 / math.sqrt(18 * (1 + cos)), 1 / math.sqrt(38 * (1 + cos))])
    d, weights = step(build('NashMTLBalancer', max_norm=0.0), J_CONFLICT)
    torch.testing.assert_close(torch.tensor([weights['a'], weights['b']]), alpha, atol=1e-3, rtol=0)
    torch.testing.assert_close(d, torch.tensor([0.076587, 0.998535, 0.998535]), atol=1e-3, rtol=0)
    # each task's gain times its weight is 1
    torch.testing.assert_close(alpha * (J_CONFLICT @ d), torch.ones(2), atol=2e-3, rtol=0)
    # max_norm = 1: ‖d‖ = 1.413 is scaled to 1, d = (0.054160, 0.706070, 0.706070), α = (0.418226, 0.287843)
    d, weights = step(build('NashMTLBalancer'), J_CONFLICT)
    torch.testing.assert_close(d, torch.tensor([0.054160, 0.706070, 0.706070]), atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 0.418226, 'b': 0.287843}, abs=1e-3)


def test_orthogonal_and_equal_gradients():
    # orthogonal: G = diag(‖g_k‖²), α_k²‖g_k‖² = 1, α = (1/3, 1/4), d = (1, 1, 0) (norm √2: scaled by max_norm = 1)
    d, weights = step(build('NashMTLBalancer', max_norm=0.0), J_ORTHOGONAL)
    torch.testing.assert_close(d, torch.tensor([1.0, 1.0, 0.0]), atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 1 / 3, 'b': 1 / 4}, abs=1e-3)
    d, _ = step(build('NashMTLBalancer'), J_ORTHOGONAL)
    torch.testing.assert_close(d, torch.tensor([1.0, 1.0, 0.0]) / math.sqrt(2), atol=1e-3, rtol=0)
    # equal g = (1, 2, 2), ‖g‖ = 3: 2α‖g‖² = 1/α, α = 1/(3√2), d = 2αg = (√2/3) g, norm √2 > 1: d = g/‖g‖
    g = torch.tensor([1.0, 2.0, 2.0])
    d, weights = step(build('NashMTLBalancer'), torch.stack([g, g]))
    torch.testing.assert_close(d, g / 3, atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 1 / 6, 'b': 1 / 6}, abs=1e-3)


def test_three_orthogonal_tasks_without_scaling():
    # α_k = 1/‖g_k‖ = (1, 1/2, 1/4): every task gains α_k g_kᵀd = 1
    d, weights = step(build('NashMTLBalancer', tasks=('a', 'b', 'c'), max_norm=0.0),
                      torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 4.0]]))
    torch.testing.assert_close(d, torch.ones(3), atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 1.0, 'b': 0.5, 'c': 0.25}, abs=1e-3)


def test_without_the_norm_bound_it_is_fairgrad_with_alpha_one():
    torch.manual_seed(0)
    jacobian = torch.randn(3, 3) + torch.tensor([2.0, 0.0, 0.0])
    nash, _ = step(build('NashMTLBalancer', tasks=('a', 'b', 'c'), max_norm=0.0), jacobian)
    fair, _ = step(build('FairGradBalancer', tasks=('a', 'b', 'c')), jacobian)
    torch.testing.assert_close(nash, fair, atol=2e-3, rtol=0)


def test_equals_torchjd_nash_mtl_over_steps_and_logs_its_weights_times_the_static_weights():
    from torchjd.aggregation import NashMTL
    torch.manual_seed(1)
    balancer = build('NashMTLBalancer', update_weights_every=2)
    balancer.task_weights = {'a': 2.0, 'b': 1.0}
    reference = NashMTL(n_tasks=2, update_weights_every=2)
    for _ in range(3):
        jacobian = torch.randn(2, 3) + torch.tensor([0.0, 1.0, 1.0])
        d, logged = step(balancer, jacobian)
        weights = reference.weighting(jacobian)
        torch.testing.assert_close(d, weights @ jacobian)
        assert logged == pytest.approx({'a': 2.0 * float(weights[0]), 'b': float(weights[1])}, rel=1e-5)


def test_update_weights_every_reuses_the_last_weights_in_between():
    balancer = build('NashMTLBalancer', update_weights_every=2, max_norm=0.0)
    _, first = step(balancer, J_ORTHOGONAL)  # α = (1/3, 1/4)
    d, second = step(balancer, J_CONFLICT)  # the same α on another Jacobian
    assert second == pytest.approx(first, abs=1e-9)
    torch.testing.assert_close(d, first['a'] * G_A + first['b'] * G_B, atol=1e-5, rtol=0)
    _, third = step(balancer, J_CONFLICT)  # recomputed
    assert third == pytest.approx({'a': 0.591461, 'b': 0.407072}, abs=1e-3)


def test_the_state_survives_a_checkpoint():
    # recomputed every step: the restored balancer rebuilds torchjd's convex problem and starts from the saved α
    check_resume('NashMTLBalancer', [J_ORTHOGONAL, J_CONFLICT], J_ORTHOGONAL + 0.5 * J_CONFLICT, state_matters=False)
    # every second step: the step after the checkpoint reuses the saved α
    # (α = (1/3, 1/4) from J_ORTHOGONAL: on J_CONFLICT ‖d‖ = ‖(1/6, 7/12, 7/12)‖ = 0.84 < max_norm, not scaled)
    resumed = check_resume('NashMTLBalancer', [J_ORTHOGONAL], J_CONFLICT, update_weights_every=2)
    assert resumed.current_weights() == pytest.approx({'a': 1 / 3, 'b': 1 / 4}, abs=1e-3)


def test_every_task_is_needed_at_every_step():
    balancer = build('NashMTLBalancer')
    with pytest.raises(ValueError, match=r"NashMTLBalancer: keeps a state per task .* missing \['b'\]"):
        balancer.shared_gradients({'a': [G_A[:2], G_A[2:]]})


@pytest.mark.parametrize('args, message', [
    (dict(update_weights_every=0), 'update_weights_every must be an int >= 1, got 0'),
    (dict(optim_niter=2.5), 'optim_niter must be an int >= 1, got 2.5'),
    (dict(max_norm=-1.0), r'max_norm must be >= 0 \(0: no scaling\), got -1.0'),
])
def test_arguments_are_checked(args, message):
    with pytest.raises(ValueError, match='NashMTLBalancer: ' + message):
        build('NashMTLBalancer', **args)


@pytest.mark.parametrize('package', ['cvxpy', 'ecos'])
def test_without_the_solver_the_build_fails_naming_the_balancer_the_package_and_the_command(package, monkeypatch):
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(ImportError, match=rf"NashMTLBalancer needs {package}, which is not installed; "
                                          r"install the solvers with: pip install 'mtlreg\[solvers\]'"):
        build('NashMTLBalancer')
