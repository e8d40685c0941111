"""MoDo: one projected step of the simplex weights on J_1 J_2ᵀ λ + ρ λ, the update from the two parts, worked by hand."""
import pytest
import torch

from tests.models.balancers.double_parts import J1, J2, J3, build, combine
from tests.models.balancers.stateful_steps import saved


def _simplex_2(x: torch.Tensor) -> torch.Tensor:
    """The projection of (x_1, x_2) onto the 2-simplex: equal shifts, clipped at the vertices."""
    a = min(max((1 + x[0] - x[1]) / 2, 0.0), 1.0)
    return torch.tensor([a, 1 - a])


def test_the_weights_take_a_projected_step_and_the_update_is_their_mean_gradient():
    # A = J1 J2ᵀ = [[9, -15], [-11, 25]]; λ0 = (½, ½): A λ0 = (-3, 7); with ρ = 0.1, γ = 0.01:
    # λ0 − γ(Aλ0 + ρλ0) = (0.5 + 0.03 − 0.0005, 0.5 − 0.07 − 0.0005) = (0.5295, 0.4295), projected: (0.55, 0.45)
    a = J1 @ J2.T
    assert a.tolist() == [[9.0, -15.0], [-11.0, 25.0]]
    balancer = build('MoDoBalancer', gamma=0.01, rho=0.1)
    d, weights = combine(balancer, J1, J2)
    lam = torch.tensor([0.55, 0.45])
    torch.testing.assert_close(_simplex_2(torch.tensor([0.5295, 0.4295])), lam)
    torch.testing.assert_close(d, lam @ (J1 + J2) / 2)
    assert weights == pytest.approx({'a': 0.55, 'b': 0.45})
    # the second step starts from λ1: A λ1 = (-1.8, 5.2); λ1 − γ(Aλ1 + ρλ1) = (0.5674, 0.3975) → (0.58495, 0.41505)
    d, weights = combine(balancer, J1, J2)
    assert weights == pytest.approx({'a': 0.58495, 'b': 0.41505}, abs=1e-6)


def test_three_parts_take_the_update_from_the_third_and_equal_torchjd():
    import torchjd.aggregation as aggregation
    balancer = build('MoDoBalancer', gamma=0.05, samples=3)
    reference = aggregation.MoDoWeighting(gamma=0.05, rho=0.1)
    for _ in range(3):
        d, weights = combine(balancer, J1, J2, J3)
        expected = reference(J1 @ J2.T)
        torch.testing.assert_close(d, expected @ J3)
        assert list(weights.values()) == pytest.approx(expected.tolist())


def test_equal_gradients_keep_the_weights_uniform_and_give_the_gradient():
    same = torch.tensor([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0]])
    d, weights = combine(build('MoDoBalancer', gamma=0.1), same, same)
    assert weights == pytest.approx({'a': 0.5, 'b': 0.5}) and d.tolist() == pytest.approx([1.0, 2.0, 0.0])


def test_the_weights_resume_from_a_checkpoint_and_the_balancer_needs_parts_of_the_batch():
    original = build('MoDoBalancer', gamma=0.01)
    before = saved(original)
    build('MoDoBalancer', gamma=0.01).load_state_dict(before, strict=True)
    combine(original, J1, J2)
    resumed = build('MoDoBalancer', gamma=0.01)
    resumed.load_state_dict(saved(original), strict=True)
    expected = combine(original, J2, J1)
    got = combine(resumed, J2, J1)
    assert torch.equal(got[0], expected[0]) and got[1] == expected[1]
    assert combine(build('MoDoBalancer', gamma=0.01), J2, J1)[1] != expected[1]  # the state matters
    with pytest.raises(ValueError, match='MoDoBalancer needs the gradients of 2 independent parts of the batch'):
        original.shared_gradients({'a': [J1[0]], 'b': [J1[1]]})
    with pytest.raises(ValueError, match='MoDoBalancer: samples must be 2'):
        build('MoDoBalancer', samples=4)
    with pytest.raises(ValueError, match='MoDoBalancer: gamma must be > 0'):
        build('MoDoBalancer', gamma=0.0)
