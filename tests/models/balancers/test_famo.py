"""FAMO: the normalised log-loss weights and the Adam step of the logits from the loss decrease, worked by hand;
accumulation windows; the state (Adam's included) resumes."""
import io
import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.registry import BALANCERS


def _famo(**args):
    return BALANCERS.build(dict(type='FAMOBalancer', **args), default_args=dict(task_names=['a', 'b']))


def _losses(a, b):
    return {'a': torch.tensor(a, dtype=torch.float64, requires_grad=True),
            'b': torch.tensor(b, dtype=torch.float64, requires_grad=True)}


def test_weights_and_the_logit_step_by_hand():
    famo = _famo(eps=0.0)
    assert famo.current_weights() == {'a': 0.5, 'b': 0.5}
    # step 1: z = (½, ½), c = ½/2 + ½/1 = 3/4; L = (z/c) · log ℓ = (2/3) log 2; w = z / (c ℓ) = (1/3, 2/3), Σ w = 1
    losses = _losses(2.0, 1.0)
    objective = famo(losses)
    objective.backward()
    assert objective.item() == pytest.approx(2 / 3 * math.log(2.0), rel=1e-12)
    assert (losses['a'].grad.item(), losses['b'].grad.item()) == pytest.approx((1 / 3, 2 / 3), rel=1e-12)
    assert famo.current_weights() == pytest.approx({'a': 1 / 3, 'b': 2 / 3}, rel=1e-12)
    assert famo.logits.tolist() == [0.0, 0.0]  # nothing to compare with yet
    # step 2, L = (1, 1): δ = log(2, 1) − log(1, 1) = (ln 2, 0); J_zᵀ δ = z (δ − z·δ) = (ln 2/4, −ln 2/4);
    # Adam's first step is lr · g / (|g| + ε_adam) = ±0.025: ξ = (−0.025, 0.025) (a, which improved, loses weight)
    famo(_losses(1.0, 1.0))
    g = math.log(2.0) / 4
    step = 0.025 * g / (g + 1e-8)
    assert famo.logits.tolist() == pytest.approx([-step, step], rel=1e-12)
    za = 1 / (1 + math.exp(2 * step))  # softmax(−s, s)_a = 0.48750
    assert za == pytest.approx(0.48750, abs=1e-5)
    # with equal losses c = Σ z = 1, so w = z
    assert famo.current_weights() == pytest.approx({'a': za, 'b': 1 - za}, rel=1e-12)


def test_the_logit_optimiser_is_adam_with_weight_decay():
    famo = _famo(lr=0.1, weight_decay=0.01)
    reference = nn.Parameter(torch.zeros(2, dtype=torch.float64))
    adam = torch.optim.Adam([reference], lr=0.1, weight_decay=0.01, foreach=False)
    for grad in ([0.3, -0.1], [-0.2, 0.4], [0.05, 0.05]):
        famo._adam_step(torch.tensor(grad, dtype=torch.float64))
        reference.grad = torch.tensor(grad, dtype=torch.float64)
        adam.step()
    torch.testing.assert_close(famo.logits, reference.detach(), rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(famo.adam_exp_avg_sq, adam.state[reference]['exp_avg_sq'], rtol=1e-13, atol=0)


def test_gradient_accumulation_compares_across_an_optimiser_step_only():
    famo = _famo()
    p = nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    wrapper = OptimWrapper(torch.optim.SGD([p], lr=0.0), accumulative_counts=2)
    wrapper.initialize_count_status(famo, 0, 10)

    def step(a, b):
        with torch.no_grad():
            p.copy_(torch.tensor([a, b]))
        losses = {'a': p[0] * 1, 'b': p[1] * 1}
        famo.update(losses, famo(losses), lambda: [], wrapper)

    step(2.0, 1.0)  # micro-step 1 of 2: no optimiser step after it
    assert bool(famo.window_open)
    step(1.0, 1.0)  # micro-step 2: no parameter changed since the first, the logits stay
    assert famo.logits.tolist() == [0.0, 0.0] and not bool(famo.window_open)
    step(0.5, 1.0)  # across the step: δ = log(1, 1) − log(0.5, 1) = (ln 2, 0), as in the hand-worked step
    g = math.log(2.0) / 4
    assert famo.logits.tolist() == pytest.approx([-0.025 * g / (g + 1e-8), 0.025 * g / (g + 1e-8)], rel=1e-6)


def _saved(balancer):
    buffer = io.BytesIO()
    torch.save(balancer.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_resumes_bitwise_loads_strictly_before_the_first_step_and_stays_in_evaluation():
    original = _famo()
    before = _saved(original)
    _famo().load_state_dict(before, strict=True)
    for a, b in ((3.0, 1.0), (2.0, 0.9), (1.5, 0.95)):
        original(_losses(a, b))
    state = _saved(original)
    original.eval()
    original(_losses(0.1, 5.0))
    assert all(torch.equal(v, original.state_dict()[k]) for k, v in state.items())
    original.train()
    resumed = _famo()
    resumed.load_state_dict(state, strict=True)
    for a, b in ((1.2, 0.8), (1.0, 0.85)):
        losses = _losses(a, b)
        assert torch.equal(resumed(losses), original(losses))
        assert torch.equal(resumed.logits, original.logits) and resumed.current_weights() == original.current_weights()
    assert not torch.equal(_famo()(_losses(1.0, 0.85)), original(_losses(1.0, 0.85)))  # the state matters
    original.load_state_dict(before, strict=True)
    assert original.logits.tolist() == [0.0, 0.0] and int(original.adam_steps) == 0
    with pytest.raises(ValueError, match="FAMOBalancer: takes the logarithm .* got \\{'a': -1.0\\}"):
        original(_losses(-1.0, 1.0))
