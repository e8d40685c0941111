"""STCH: the warm-up, the reference losses and the smoothed maximum of the log losses, worked by hand; resume."""
import math

import pytest
import torch

from mtlreg.registry import BALANCERS


def _stch(**args):
    return BALANCERS.build(dict(type='STCHBalancer', **args), default_args=dict(task_names=['a', 'b']))


def _losses(a, b):
    return {'a': torch.tensor(a, dtype=torch.float64, requires_grad=True),
            'b': torch.tensor(b, dtype=torch.float64, requires_grad=True)}


def test_warmup_reference_and_smooth_tchebycheff_by_hand():
    stch = _stch(mu=1.0, warmup_iters=2, nadir_iters=1)
    # step 1 (warm-up, not averaged): log 4 + log 1; ∂/∂L = 1/L = (1/4, 1)
    assert stch(_losses(4.0, 1.0)).item() == pytest.approx(math.log(4.0))
    assert stch.current_weights() == pytest.approx({'a': 0.25, 'b': 1.0})
    # step 2 (the last warm-up step, averaged): log 2 + log 0.5 = 0; the reference becomes (2, 0.5)
    assert stch(_losses(2.0, 0.5)).item() == pytest.approx(0.0, abs=1e-12)
    assert stch.reference.tolist() == [2.0, 0.5]
    # step 3: f = (log(1/2), log(0.5/0.5)) = (−ln 2, 0); L = 2 · log(e^{−ln 2} + e^0) = 2 log 1.5;
    # weights on f: 2 softmax(f) = (2/3, 4/3); ∂f/∂L = (1/1, 1/0.5): ∂L/∂L_k = (2/3, 8/3)
    losses = _losses(1.0, 0.5)
    objective = stch(losses)
    objective.backward()
    assert objective.item() == pytest.approx(2 * math.log(1.5), rel=1e-12)
    assert (losses['a'].grad.item(), losses['b'].grad.item()) == pytest.approx((2 / 3, 8 / 3), rel=1e-12)
    assert stch.current_weights() == pytest.approx({'a': 2 / 3, 'b': 8 / 3}, rel=1e-12)
    # the reference stays after the warm-up
    stch(_losses(3.0, 3.0))
    assert stch.reference.tolist() == [2.0, 0.5]


def test_smoothing_preference_and_raw_losses():
    stch = _stch(mu=0.5, warmup_iters=0)
    # no warm-up, reference 1, μ = 1/2: f = (log 1, log 2); 2 · 0.5 · log(e^0 + e^{2 ln 2}) = log 5;
    # weights on f: 2 softmax(2 f) = 2 (1/5, 4/5); ∂f/∂L = (1, 1/2): (0.4, 0.8)
    assert stch(_losses(1.0, 2.0)).item() == pytest.approx(math.log(5.0), rel=1e-12)
    assert stch.current_weights() == pytest.approx({'a': 0.4, 'b': 0.8}, rel=1e-12)
    # a preference λ = (2, 1), μ = 1: f = (0, ln 2) → 2 log(e^0 + e^{ln 2}) = 2 log 3; on f: 2 λ softmax(λ f) =
    # 2 · (2 · 1/3, 1 · 2/3) = (4/3, 4/3); ∂/∂L = (4/3, 2/3)
    stch = _stch(warmup_iters=0, task_weights={'a': 2.0})
    assert stch(_losses(1.0, 2.0)).item() == pytest.approx(2 * math.log(3.0), rel=1e-12)
    assert stch.current_weights() == pytest.approx({'a': 4 / 3, 'b': 2 / 3}, rel=1e-12)
    # raw losses with the ideal point 0 (the paper's formula): 2 log(e^1 + e^3); on L: 2 softmax(1, 3)
    stch = _stch(warmup_iters=0, log_losses=False)
    assert stch(_losses(1.0, 3.0)).item() == pytest.approx(2 * math.log(math.e + math.e ** 3), rel=1e-12)
    e2 = math.e ** 2
    assert stch.current_weights() == pytest.approx({'a': 2 / (1 + e2), 'b': 2 * e2 / (1 + e2)}, rel=1e-12)
    with pytest.raises(ValueError, match='STCHBalancer: nadir_iters must be an int in \\[1, warmup_iters=2\\]'):
        _stch(warmup_iters=2, nadir_iters=3)
    with pytest.raises(ValueError, match="STCHBalancer: takes the logarithm .* got \\{'b': -1.0\\}"):
        _stch()(_losses(1.0, -1.0))


def test_state_resumes_bitwise_loads_strictly_before_the_first_step_and_stays_in_evaluation():
    original = _stch(warmup_iters=3, nadir_iters=2)
    before = {k: v.clone() for k, v in original.state_dict().items()}
    _stch(warmup_iters=3, nadir_iters=2).load_state_dict(before, strict=True)
    for a, b in ((4.0, 1.0), (3.0, 0.5)):
        original(_losses(a, b))
    state = {k: v.clone() for k, v in original.state_dict().items()}
    original.eval()  # evaluation: no warm-up step counted, nothing averaged
    original(_losses(100.0, 100.0))
    assert all(torch.equal(v, original.state_dict()[k]) for k, v in state.items())
    original.train()
    resumed = _stch(warmup_iters=3, nadir_iters=2)
    resumed.load_state_dict(state, strict=True)
    for a, b in ((1.0, 1.5), (0.5, 0.25)):  # the last warm-up step (reference (2, 1)), then the first STCH step
        losses = _losses(a, b)
        assert torch.equal(resumed(losses), original(losses))
        assert resumed.current_weights() == original.current_weights()
    assert original.reference.tolist() == [2.0, 1.0]  # the mean of (3, 0.5) and (1, 1.5)
    assert _stch(warmup_iters=3, nadir_iters=2)(_losses(0.5, 0.25)).item() != original(_losses(0.5, 0.25)).item()
