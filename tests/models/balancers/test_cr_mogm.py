"""CR-MOGM: the moving average of MGDA's weights worked by hand; torchjd's CR-MOGM; the weights across a checkpoint."""
import sys

import pytest
import torch

import mtlreg.models.balancers.cr_mogm  # noqa: F401  (registers CRMOGMBalancer)
from mtlreg.models.balancers.cr_mogm import WEIGHTINGS
from tests.models.balancers.stateful_steps import build, check_resume, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])
J_SCALED = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_mgda_weights_averaged_over_the_steps():
    # step 1: MGDA on the conflicting pair, ŵ = (0.6, 0.4) (‖α g_a + (1−α) g_b‖² = (6 − 10α)² + 2), and w_0 = ŵ_1:
    # w = (0.6, 0.4), d = (0, 1, 1)
    balancer = build('CRMOGMBalancer')
    d, weights = step(balancer, J_CONFLICT)
    assert weights == pytest.approx({'a': 0.6, 'b': 0.4}, abs=1e-5)
    torch.testing.assert_close(d, torch.tensor([0.0, 1.0, 1.0]), atol=1e-5, rtol=0)
    # step 2: g_a = (2, 0, 0), g_b = (0, 1, 0): ‖(2α, 1−α)‖² = 4α² + (1−α)² is smallest at α = 1/5, ŵ = (0.2, 0.8);
    # w = 0.9 (0.6, 0.4) + 0.1 (0.2, 0.8) = (0.56, 0.44), d = (1.12, 0.44, 0)
    d, weights = step(balancer, J_SCALED)
    assert weights == pytest.approx({'a': 0.56, 'b': 0.44}, abs=1e-5)
    torch.testing.assert_close(d, torch.tensor([1.12, 0.44, 0.0]), atol=1e-5, rtol=0)
    # step 3, the same: w = 0.9 (0.56, 0.44) + 0.1 (0.2, 0.8) = (0.524, 0.476), d = (1.048, 0.476, 0)
    d, weights = step(balancer, J_SCALED)
    assert weights == pytest.approx({'a': 0.524, 'b': 0.476}, abs=1e-5)
    torch.testing.assert_close(d, torch.tensor([1.048, 0.476, 0.0]), atol=1e-5, rtol=0)


def test_alpha_zero_is_the_wrapped_method_and_alpha_one_keeps_the_first_weights():
    unsmoothed, frozen = build('CRMOGMBalancer', alpha=0.0), build('CRMOGMBalancer', alpha=1.0)
    for balancer in (unsmoothed, frozen):
        step(balancer, J_CONFLICT)
    assert step(unsmoothed, J_SCALED)[1] == pytest.approx({'a': 0.2, 'b': 0.8}, abs=1e-5)
    assert step(frozen, J_SCALED)[1] == pytest.approx({'a': 0.6, 'b': 0.4}, abs=1e-5)


def test_a_zero_gradient_mgda_stops_and_the_average_keeps_moving():
    # g_b = 0 is in the hull: MGDA's ŵ = (0, 1), d = 0; after the conflicting step w = 0.9 (0.6, 0.4) + 0.1 (0, 1)
    # = (0.54, 0.46), d = 0.54 g_a = (−2.16, 0.54, 0.54): the average still moves where MGDA alone would not
    balancer = build('CRMOGMBalancer')
    step(balancer, J_CONFLICT)
    d, weights = step(balancer, torch.stack([G_A, torch.zeros(3)]))
    assert weights == pytest.approx({'a': 0.54, 'b': 0.46}, abs=1e-5)
    torch.testing.assert_close(d, 0.54 * G_A, atol=1e-5, rtol=0)


@pytest.mark.parametrize('name', sorted(WEIGHTINGS))
def test_every_weighting_is_smoothed_as_torchjd_does(name):
    from torchjd import aggregation
    torch.manual_seed(0)
    jacobians = [torch.randn(3, 3) + torch.tensor([1.5, 0.0, 0.0]) for _ in range(2)]
    balancer = build('CRMOGMBalancer', tasks=('a', 'b', 'c'), weighting=name, alpha=0.7)
    balancer.task_weights = {'a': 2.0, 'b': 1.0, 'c': 0.5}
    cls_name, defaults, _ = WEIGHTINGS[name]
    reference = aggregation.GramianWeightedAggregator(
        aggregation.CRMOGMWeighting(getattr(aggregation, cls_name)(**defaults), alpha=0.7))
    for jacobian in jacobians:
        d, logged = step(balancer, jacobian)
        weights = reference.weighting(jacobian)
        torch.testing.assert_close(d, weights @ jacobian)
        assert logged == pytest.approx({'a': 2.0 * float(weights[0]), 'b': float(weights[1]),
                                        'c': 0.5 * float(weights[2])}, rel=1e-5)


def test_weighting_args_reach_the_wrapped_weighting():
    # UPGrad with preference (1, 0): the projection of g_a alone onto the dual cone, ≠ the default mean of both
    d, _ = step(build('CRMOGMBalancer', weighting='upgrad', weighting_args=dict(pref_vector=[1.0, 0.0])), J_CONFLICT)
    default, _ = step(build('CRMOGMBalancer', weighting='upgrad'), J_CONFLICT)
    p_a = G_A - (G_A @ G_B) / (G_B @ G_B) * G_B  # g_a projected onto the plane normal to g_b (g_a·g_b < 0)
    torch.testing.assert_close(d, p_a, atol=2e-3, rtol=0)
    assert not torch.allclose(d, default, atol=1e-2)


def test_the_previous_weights_survive_a_checkpoint_and_follow_the_dtype():
    check_resume('CRMOGMBalancer', [J_CONFLICT], J_SCALED)
    check_resume('CRMOGMBalancer', [J_CONFLICT, J_SCALED], J_SCALED.double(), weighting='imtl-g')
    # the loaded weights (CPU, float32) are moved to the Jacobian's device and dtype before the aggregation
    # (torch would only promote the dtype; another device would fail)
    resumed = check_resume('CRMOGMBalancer', [J_CONFLICT], J_SCALED)
    resumed.load_state_dict(resumed.state_dict())
    resumed.place_aggregator_state(J_SCALED.double())
    assert resumed.aggregator.gramian_weighting._lambda.dtype == torch.float64


@pytest.mark.parametrize('args, error', [
    (dict(weighting='pcgrad'), r"CRMOGMBalancer: weighting must be one of \['aligned-mtl', 'cagrad', 'dualproj', "
                               r"'fairgrad', 'imtl-g', 'mgda', 'upgrad'\], got 'pcgrad'"),
    (dict(alpha=1.2), r'CRMOGMBalancer: alpha must be in \[0, 1\], got 1.2'),
    (dict(weighting='mgda', weighting_args=dict(c=0.5)), r"CRMOGMBalancer: weighting_args \{'c': 0.5\} are not "
                                                         r"arguments of the 'mgda' weighting"),
])
def test_arguments_are_checked(args, error):
    with pytest.raises(ValueError, match=error):
        build('CRMOGMBalancer', **args)


def test_a_weighting_that_needs_a_solver_fails_to_build_without_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cvxpy', None)
    with pytest.raises(ImportError, match=r"CRMOGMBalancer needs cvxpy, which is not installed; "
                                          r"install the solvers with: pip install 'mtlreg\[solvers\]'"):
        build('CRMOGMBalancer', weighting='cagrad')
    build('CRMOGMBalancer', weighting='mgda')  # the others do not need it
