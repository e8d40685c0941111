"""FairGrad: the α-fair weights worked by hand; torchjd's FairGrad on the same Jacobian; the solver extra."""
import math
import sys

import pytest
import torch

import mtlreg.models.balancers.fairgrad  # noqa: F401  (registers FairGradBalancer)
from tests.models.balancers.stateful_steps import build, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])


def test_conflicting_gradients_proportional_fairness():
    # α = 1: G w = 1/w. With t_k = w_k‖g_k‖: t_a² + cos t_a t_b = 1 = t_b² + cos t_a t_b, so t = 1/√(1 + cos),
    # cos = −22/√(18·38) = −0.841191: w = (0.591461, 0.407072), d = (0.076587, 0.998535, 0.998535)
    cos = -22 / math.sqrt(18 * 38)
    w = torch.tensor([1 / math.sqrt(18 * (1 + cos)), 1 / math.sqrt(38 * (1 + cos))])
    d, weights = step(build('FairGradBalancer'), J_CONFLICT)
    assert weights == pytest.approx({'a': float(w[0]), 'b': float(w[1])}, abs=1e-4)
    torch.testing.assert_close(d, torch.tensor([0.076587, 0.998535, 0.998535]), atol=1e-4, rtol=0)
    torch.testing.assert_close(w * (J_CONFLICT @ d), torch.ones(2), atol=1e-3, rtol=0)  # w_k g_kᵀd = 1
    # α = 0: linear scalarisation, the mean
    d, weights = step(build('FairGradBalancer', alpha=0.0), J_CONFLICT)
    assert d.tolist() == [1.0, 1.0, 1.0] and weights == {'a': 0.5, 'b': 0.5}


def test_orthogonal_gradients_with_alpha_two():
    # G = diag(4, 1): ‖g_k‖² w_k = w_k^(−1/2), w_k = ‖g_k‖^(−4/3): w = (2^(−4/3), 1) = (0.396850, 1),
    # d = (2^(−1/3), 1, 0) = (0.793701, 1, 0)
    d, weights = step(build('FairGradBalancer', alpha=2.0), torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert weights == pytest.approx({'a': 2 ** (-4 / 3), 'b': 1.0}, abs=1e-4)
    torch.testing.assert_close(d, torch.tensor([2 ** (-1 / 3), 1.0, 0.0]), atol=1e-4, rtol=0)


def test_equal_gradients():
    # g = (1, 2, 2), ‖g‖ = 3, α = 1: ‖g‖²(w_a + w_b) = 1/w_a = 1/w_b, w = 1/(3√2) = 0.235702, d = (√2/3) g
    g = torch.tensor([1.0, 2.0, 2.0])
    d, weights = step(build('FairGradBalancer'), torch.stack([g, g]))
    assert weights == pytest.approx({'a': 1 / (3 * math.sqrt(2)), 'b': 1 / (3 * math.sqrt(2))}, abs=1e-4)
    torch.testing.assert_close(d, math.sqrt(2) / 3 * g, atol=1e-4, rtol=0)


def test_equals_torchjd_fairgrad_and_logs_its_weights_times_the_static_weights():
    from torchjd.aggregation import FairGrad
    torch.manual_seed(0)
    jacobian = torch.randn(3, 3) + torch.tensor([2.0, 0.0, 0.0])
    balancer = build('FairGradBalancer', tasks=('a', 'b', 'c'), alpha=1.5)
    balancer.task_weights = {'a': 2.0, 'b': 1.0, 'c': 0.5}
    d, logged = step(balancer, jacobian)
    reference = FairGrad(alpha=1.5)
    torch.testing.assert_close(d, reference(jacobian))
    w = reference.weighting(jacobian)
    assert logged == pytest.approx({'a': 2.0 * float(w[0]), 'b': float(w[1]), 'c': 0.5 * float(w[2])}, rel=1e-5)


@pytest.mark.parametrize('args, message', [
    (dict(alpha=-1.0), 'alpha must be >= 0, got -1.0'),
    (dict(max_iters=0), 'max_iters must be None or an int >= 1, got 0'),
])
def test_arguments_are_checked(args, message):
    with pytest.raises(ValueError, match='FairGradBalancer: ' + message):
        build('FairGradBalancer', **args)


def test_without_scipy_the_build_fails_naming_the_balancer_the_package_and_the_command(monkeypatch):
    monkeypatch.setitem(sys.modules, 'scipy', None)
    with pytest.raises(ImportError, match=r"FairGradBalancer needs scipy, which is not installed; "
                                          r"install the solvers with: pip install 'mtlreg\[solvers\]'"):
        build('FairGradBalancer')
