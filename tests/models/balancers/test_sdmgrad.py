"""SDMGrad: projected SGD on the normalised J_1 J_2ᵀ pulled towards the mean, the update from a third part."""
import pytest
import torch

from tests.models.balancers.double_parts import J1, J2, J3, build, combine


def test_one_inner_step_worked_by_hand():
    # A = [[9, -15], [-11, 25]]; scale = mean(√9, √25) = 4, Â = A / 16; w0 = w̃ = (½, ½), λ = 0.3:
    # Â (w0 + λ w̃) = Â (0.65, 0.65) = (−0.24375, 0.56875); w0 − 1.0 · that = (0.74375, −0.06875), whose
    # projection onto the simplex shifts both by (1 − 0.675)/2: w1 = (0.90625, 0.09375)
    # output (w1 + λ w̃) / (1 + λ) = (1.05625, 0.24375) / 1.3 = (0.8125, 0.1875)
    balancer = build('SDMGradBalancer', lr=1.0, n_iter=1)
    d, weights = combine(balancer, J1, J2, J3)
    w = torch.tensor([0.8125, 0.1875])
    assert list(weights.values()) == pytest.approx(w.tolist())
    torch.testing.assert_close(d, w @ J3)


def test_equals_torchjd_over_several_steps_and_resumes():
    import torchjd.aggregation as aggregation
    from tests.models.balancers.stateful_steps import saved
    balancer = build('SDMGradBalancer')
    reference = aggregation.SDMGradWeighting(lr=5.0, momentum=0.5, n_iter=20, lambda_=0.3)
    for parts in ((J1, J2, J3), (J2, J3, J1)):
        d, weights = combine(balancer, *parts)
        expected = reference(parts[0] @ parts[1].T)
        torch.testing.assert_close(d, expected @ parts[2])
    resumed = build('SDMGradBalancer')
    resumed.load_state_dict(saved(balancer), strict=True)
    got, expected = combine(resumed, J3, J1, J2), combine(balancer, J3, J1, J2)
    assert torch.equal(got[0], expected[0])


def test_a_zero_gradient_and_the_preference():
    zero = torch.tensor([[0.0, 0.0, 0.0], [6.0, 1.0, 1.0]])
    d, weights = combine(build('SDMGradBalancer'), zero, zero, zero)
    assert torch.isfinite(d).all() and sum(weights.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"SDMGradBalancer: pref_vector needs one value per task \['a', 'b'\]"):
        build('SDMGradBalancer', pref_vector=[1.0])
