"""GLS: the geometric mean of the losses and its gradient weights, worked by hand; no state to resume."""
import math

import pytest
import torch

from mtlreg.registry import BALANCERS


def _gls(tasks='abc', **args):
    return BALANCERS.build(dict(type='GLSBalancer', **args), default_args=dict(task_names=list(tasks)))


def _losses(**values):
    return {t: torch.tensor(v, dtype=torch.float64, requires_grad=True) for t, v in values.items()}


def test_geometric_mean_and_its_gradient_weights_over_steps():
    gls = _gls(eps=0.0)
    assert gls.current_weights() == pytest.approx({'a': 1 / 3, 'b': 1 / 3, 'c': 1 / 3})  # the value at equal losses
    # step 1: (1 · 4 · 2)^(1/3) = 8^(1/3) = 2; ∂L/∂L_k = L / (K L_k) = 2/3, 2/12 = 1/6, 2/6 = 1/3
    losses = _losses(a=1.0, b=4.0, c=2.0)
    objective = gls(losses)
    assert objective.item() == pytest.approx(2.0, rel=1e-12)
    objective.backward()
    assert [float(losses[t].grad) for t in 'abc'] == pytest.approx([2 / 3, 1 / 6, 1 / 3], rel=1e-12)
    assert gls.current_weights() == pytest.approx({'a': 2 / 3, 'b': 1 / 6, 'c': 1 / 3}, rel=1e-12)
    # step 2: (9 · 3 · 1)^(1/3) = 27^(1/3) = 3; weights 3/27 = 1/9, 3/9 = 1/3, 3/3 = 1
    assert gls(_losses(a=9.0, b=3.0, c=1.0)).item() == pytest.approx(3.0, rel=1e-12)
    assert gls.current_weights() == pytest.approx({'a': 1 / 9, 'b': 1 / 3, 'c': 1.0}, rel=1e-12)
    # step 3, equal losses: the geometric mean is the loss, every weight 1/K whatever the loss
    assert gls(_losses(a=5.0, b=5.0, c=5.0)).item() == pytest.approx(5.0, rel=1e-12)
    assert gls.current_weights() == pytest.approx({'a': 1 / 3, 'b': 1 / 3, 'c': 1 / 3}, rel=1e-12)


def test_only_the_tasks_in_the_batch_and_static_weights_as_exponents():
    gls = _gls(eps=0.0, task_weights={'a': 1.0, 'b': 2.0, 'c': 1.0})
    # a and b only: (8^1 · 1^2)^(1/3) = 2; ∂L/∂L_a = 1 · 2 / (3 · 8) = 1/12, ∂L/∂L_b = 2 · 2 / (3 · 1) = 4/3
    losses = _losses(a=8.0, b=1.0)
    objective = gls(losses)
    objective.backward()
    assert objective.item() == pytest.approx(2.0, rel=1e-12)
    assert [float(losses[t].grad) for t in 'ab'] == pytest.approx([1 / 12, 4 / 3], rel=1e-12)
    weights = gls.current_weights()
    assert (weights['a'], weights['b']) == pytest.approx((1 / 12, 4 / 3), rel=1e-12)
    assert weights['c'] == pytest.approx(1 / 4)  # not in the batch: the weight before any call, 1/(1+2+1)


def test_a_zero_loss_stays_finite_with_eps_and_a_negative_loss_is_refused():
    gls = _gls()
    losses = _losses(a=0.0, b=4.0, c=2.0)
    objective = gls(losses)  # exp((log 1e-8 + log 4 + log 2) / 3) = (8e-8)^(1/3) ≈ 4.309e-3
    objective.backward()
    assert objective.item() == pytest.approx((8e-8) ** (1 / 3), rel=1e-6)
    assert all(math.isfinite(float(losses[t].grad)) for t in 'abc')
    with pytest.raises(ValueError, match=r"GLSBalancer: .*positive and finite; got \{'a': -0.5"):
        gls(_losses(a=-0.5, b=1.0, c=1.0))
    with pytest.raises(ValueError, match='GLSBalancer: takes the logarithm'):
        _gls(eps=0.0)(_losses(a=0.0, b=1.0, c=1.0))
    with pytest.raises(ValueError, match='GLSBalancer: task weights are exponents'):
        _gls(task_weights={'a': -1.0})


def test_no_state_a_fresh_instance_gives_the_same_objective():
    gls = _gls()
    before = gls.state_dict()
    gls(_losses(a=1.0, b=2.0, c=3.0))
    assert len(gls.state_dict()) == 0 and len(before) == 0
    fresh = _gls()
    fresh.load_state_dict(gls.state_dict(), strict=True)
    losses = _losses(a=0.3, b=2.5, c=7.0)
    assert torch.equal(fresh(losses), gls(losses))
    gls.eval()
    assert torch.equal(gls(losses), fresh(losses))
