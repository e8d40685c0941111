"""MoCo: tracked gradients and the projected step of the simplex weights, worked by hand; the state resumes."""
import io
import math

import pytest
import torch

from mtlreg.models.balancers.moco import project_onto_simplex
from mtlreg.registry import BALANCERS
from tests.models.balancers.two_gradients import G_A, G_B, combine as _step


def _moco(**args):
    return BALANCERS.build(dict(type='MoCoBalancer', **args), default_args=dict(task_names=['a', 'b']))


def test_projection_onto_the_simplex():
    v = torch.tensor
    assert project_onto_simplex(v([0.5, 0.5], dtype=torch.float64)).tolist() == [0.5, 0.5]  # already on it
    # (0.8, 0.6): θ = (1.4 − 1)/2 = 0.2 → (0.6, 0.4); (2, 0): θ = 1 → (1, 0);
    # (0.2, 0.1, −1): θ = (0.3 − 1)/2 = −0.35 → (0.55, 0.45, 0)
    assert project_onto_simplex(v([0.8, 0.6], dtype=torch.float64)).tolist() == pytest.approx([0.6, 0.4])
    assert project_onto_simplex(v([2.0, 0.0], dtype=torch.float64)).tolist() == pytest.approx([1.0, 0.0])
    assert project_onto_simplex(v([0.2, 0.1, -1.0], dtype=torch.float64)).tolist() == pytest.approx([0.55, 0.45, 0])


def test_conflicting_gradients_two_steps_by_hand():
    balancer = _moco()  # β 0.5, σ_β 0.5, γ 0.1, σ_γ 0.5, ρ 0
    assert balancer.current_weights() == {'a': 0.5, 'b': 0.5}
    # step 1: β_1 = 0.5, y = 0.5 g: y_a = (−2, .5, .5), y_b = (3, .5, .5); Y Yᵀ = [[4.5, −5.5], [−5.5, 9.5]];
    # (Y Yᵀ) λ = (−0.5, 2); λ − 0.1 (−0.5, 2) = (0.55, 0.30) → projection, θ = −0.075: λ = (0.625, 0.375);
    # d = 0.625 y_a + 0.375 y_b = (−0.125, 0.5, 0.5)
    d, weights = _step(balancer)
    assert d.tolist() == pytest.approx([-0.125, 0.5, 0.5], abs=1e-6)
    assert weights == pytest.approx({'a': 0.625, 'b': 0.375})
    # step 2, the same gradients: β_2 = 0.5/√2, y = (0.5 + 0.5 β_2) g = 0.67678 g; γ_2 = 0.1/√2;
    # λ − γ_2 (Y Yᵀ) λ = (0.52784, 0.35880) → θ = −0.05668: λ = (0.58452, 0.41548)
    beta2, gamma2 = 0.5 / math.sqrt(2), 0.1 / math.sqrt(2)
    c = 0.5 + 0.5 * beta2
    gram = c * c * torch.tensor([[18.0, -22.0], [-22.0, 38.0]], dtype=torch.float64)
    moved = torch.tensor([0.625, 0.375], dtype=torch.float64) - gamma2 * gram @ torch.tensor([0.625, 0.375],
                                                                                              dtype=torch.float64)
    lam = moved - (moved.sum() - 1) / 2
    assert lam.tolist() == pytest.approx([0.58452, 0.41548], abs=1e-5)
    d, weights = _step(balancer)
    assert (weights['a'], weights['b']) == pytest.approx(tuple(lam.tolist()), rel=1e-6)
    torch.testing.assert_close(d, c * (float(lam[0]) * G_A + float(lam[1]) * G_B), atol=1e-6, rtol=0)


def test_zero_and_equal_gradients_and_the_softmax_option():
    # b's gradient 0: y_b = 0, Y Yᵀ = [[4.5, 0], [0, 0]], (Y Yᵀ) λ = (2.25, 0); (0.275, 0.5) → θ = −0.1125:
    # λ = (0.3875, 0.6125); d = 0.3875 · 0.5 G_A = (−0.775, 0.19375, 0.19375)
    d, weights = _step(_moco(), G_A, torch.zeros(3))
    assert d.tolist() == pytest.approx([-0.775, 0.19375, 0.19375], abs=1e-6)
    assert weights == pytest.approx({'a': 0.3875, 'b': 0.6125})
    # equal gradients g = (1, 2, 2): Y Yᵀ = 0.25 · 9 [[1, 1], [1, 1]] moves both weights alike:
    # λ stays (½, ½), d = 0.5 g
    g = torch.tensor([1.0, 2.0, 2.0])
    d, weights = _step(_moco(), g, g)
    assert d.tolist() == pytest.approx((0.5 * g).tolist()) and weights == pytest.approx({'a': 0.5, 'b': 0.5})
    # the authors' softmax instead of the projection: λ = softmax(0.55, 0.30) = (0.56218, 0.43782)
    d, weights = _step(_moco(projection='softmax'))
    za = 1 / (1 + math.exp(-0.25))
    assert (weights['a'], weights['b']) == pytest.approx((za, 1 - za), rel=1e-6)
    torch.testing.assert_close(d, 0.5 * (za * G_A + (1 - za) * G_B), atol=1e-6, rtol=0)


def test_normalised_gradients_option_and_the_static_weights():
    balancer = _moco(normalize_gradients=True)
    balancer._step_losses = {'a': 2.0, 'b': 1.0}  # what update() notes: the step's losses
    # h_k = L_k g_k / ‖g_k‖: h_a = 2 (−4, 1, 1)/√18, h_b = (6, 1, 1)/√38; step 1: y = 0.5 h
    _step(balancer)
    h = torch.stack([2 * G_A / G_A.norm(), G_B / G_B.norm()])
    torch.testing.assert_close(balancer.tracked, 0.5 * h, atol=1e-6, rtol=0)
    weights = _step(_moco(task_weights={'b': 2.0}), G_A, 2 * G_B)[1]  # logged: λ_k λ^s_k
    lam = _step(_moco(), G_A, 2 * G_B)[1]
    assert weights == pytest.approx({'a': lam['a'], 'b': 2 * lam['b']})


def _saved(balancer):
    buffer = io.BytesIO()
    torch.save(balancer.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_resumes_bitwise_loads_strictly_before_the_first_step_and_stays_in_evaluation():
    original = _moco(rho=0.1)
    before = _saved(original)
    _step(original)
    _step(original, torch.tensor([0.5, -1.0, 2.0]), torch.tensor([3.0, 0.0, -1.0]))
    resumed = _moco(rho=0.1)
    resumed.load_state_dict(_saved(original), strict=True)
    g_a, g_b = torch.tensor([1.0, 1.0, -3.0]), torch.tensor([-2.0, 0.5, 0.5])
    expected, expected_weights = _step(original, g_a, g_b)
    got, got_weights = _step(resumed, g_a, g_b)
    assert torch.equal(got, expected) and got_weights == expected_weights
    assert not torch.allclose(_step(_moco(rho=0.1), g_a, g_b)[0], expected)  # the state matters
    state = _saved(original)
    original.eval()
    _step(original, g_a, g_b)
    assert all(torch.equal(v, original.state_dict()[k]) for k, v in state.items())
    original.train()
    original.load_state_dict(before, strict=True)
    assert torch.equal(_step(original, g_a, g_b)[0], _step(_moco(rho=0.1), g_a, g_b)[0])
