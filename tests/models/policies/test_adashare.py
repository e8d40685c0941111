import math

import pytest
import torch

from mtlreg.models.policies import AdaSharePolicy

ALPHA = torch.tensor([[0.9, 0.8, 0.2], [0.5, 0.4, 0.6]])


def _policy(form='paper', **kwargs):
    policy = AdaSharePolicy(['a', 'b'], (3,), regularizer_form=form, **kwargs)
    with torch.no_grad():  # execute logit log(α/(1−α)), skip logit 0 → softmax gives α
        policy.logits[..., 0] = (ALPHA / (1 - ALPHA)).log()
        policy.logits[..., 1] = 0.0
    return policy


def test_execute_probabilities_and_init_modes():
    torch.testing.assert_close(_policy().execute_probabilities(), ALPHA)
    assert torch.allclose(AdaSharePolicy(['a'], (4,)).execute_probabilities(), torch.full((1, 4), 0.5))
    assert torch.allclose(AdaSharePolicy(['a'], (4,), init='all_execute').execute_probabilities(),
                          torch.full((1, 4), 0.99))
    assert AdaSharePolicy(['a'], (4,), init='random').logits.abs().max() < 0.01
    with pytest.raises(ValueError, match='init must be one of'):
        AdaSharePolicy(['a'], (4,), init='ones')


def test_paper_regularisers_against_hand_computed_values():
    policy = _policy()
    expected_sparsity = sum(math.log(v) for v in (0.9, 0.8, 0.2, 0.5, 0.4, 0.6))
    assert policy.sparsity_loss().item() == pytest.approx(expected_sparsity, rel=1e-5)
    # weights (L − l)/L for l = 1, 2, 3: 2/3, 1/3, 0; ordered pairs (a, b) and (b, a)
    assert policy.sharing_loss().item() == pytest.approx(2 * (2 / 3 * 0.4 + 1 / 3 * 0.4 + 0 * 0.4), rel=1e-5)
    policy.curriculum_blocks.fill_(2)  # only blocks 2 and 3 are learned
    assert policy.sparsity_loss().item() == pytest.approx(sum(math.log(v) for v in (0.8, 0.2, 0.4, 0.6)), rel=1e-5)
    assert policy.sharing_loss().item() == pytest.approx(2 * (1 / 3 * 0.4), rel=1e-5)


def test_official_code_regularisers_against_hand_computed_values():
    policy = _policy('official_code')
    ce = [[-math.log(1 - v) for v in row] for row in ALPHA.tolist()]
    assert policy.sparsity_loss().item() == pytest.approx(sum(sum(r) / 3 for r in ce), rel=1e-5)
    e = [[math.log(v / (1 - v)) for v in row] for row in ALPHA.tolist()]
    expected = sum((l + 1) / 3 * abs(e[0][l] - e[1][l]) for l in range(3))
    assert policy.sharing_loss().item() == pytest.approx(expected, rel=1e-5)
    # during the curriculum (only the last block learned): sparsity over that block, sharing over all three
    policy.curriculum_blocks.fill_(1)
    assert policy.sparsity_loss().item() == pytest.approx(ce[0][2] + ce[1][2], rel=1e-5)
    assert policy.sharing_loss().item() == pytest.approx(expected, rel=1e-5)
    # e = [[2.197, 1.386, -1.386], [0, -0.405, 0.405]]: 1/3·2.197 + 2/3·1.792 + 3/3·1.792 = 3.7187
    assert policy.sharing_loss().item() == pytest.approx(3.7187, abs=1e-4)
    policy.sharing_loss().backward()  # the blocks not yet released get gradient from it, as in the public code
    assert policy.logits.grad[:, :2, 0].abs().min() > 0


def test_regularizers_are_weighted_and_named():
    policy = _policy(sparsity_weight=0.01, sharing_weight=0.5)
    terms = policy.regularizers()
    torch.testing.assert_close(terms['reg_sparsity'], 0.01 * policy.sparsity_loss())
    torch.testing.assert_close(terms['reg_sharing'], 0.5 * policy.sharing_loss())
    assert _policy().regularizers() == {}


def test_curriculum_blocks_execute_and_get_no_gradient():
    policy = _policy(sparsity_weight=1.0, sharing_weight=1.0).train()
    policy.curriculum_blocks.fill_(1)
    gates = policy.gates('a')
    assert gates[:2].tolist() == [1.0, 1.0] and 0.0 < gates[2].item() < 1.0
    (gates.sum() + sum(policy.regularizers().values())).backward()
    assert policy.logits.grad[:, :2].abs().sum() == 0
    assert policy.logits.grad[:, 2].abs().sum() > 0


def test_hard_sampling_is_straight_through_and_eval_is_deterministic():
    policy = _policy(sampling='hard').train()
    gates = policy.gates('b')
    assert set(gates.tolist()) <= {0.0, 1.0}
    gates.sum().backward()
    assert policy.logits.grad[1].abs().sum() > 0
    policy.eval()
    assert policy.gates('a').tolist() == [1.0, 1.0, 0.0]
    assert policy.gates('b').tolist() == [1.0, 0.0, 1.0]


def test_temperature_sharpens_samples_and_state_is_in_buffers():
    policy = _policy().train()
    torch.manual_seed(0)
    policy.temperature.fill_(0.01)
    sharp = torch.stack([policy.gates('a') for _ in range(20)])
    assert ((sharp < 0.01) | (sharp > 0.99)).float().mean() > 0.95
    state = policy.state_dict()
    assert 'temperature' in state and 'curriculum_blocks' in state


def test_discretize_argmax_and_seeded_sampling():
    policy = _policy()
    assert policy.discretize().tolist() == [[True, True, False], [True, False, True]]
    a, b = policy.discretize('sample', seed=3), policy.discretize('sample', seed=3)
    assert torch.equal(a, b) and a.dtype == torch.bool
    draws = torch.stack([policy.discretize('sample', seed=s) for s in range(400)]).float().mean(0)
    torch.testing.assert_close(draws, ALPHA, atol=0.08, rtol=0)


def test_adashare_declares_what_its_hooks_schedule():
    from mtlreg.models.policies.adashare import AdaSharePolicy
    policy = AdaSharePolicy(['a', 'b'], (4,), temperature=2.5)
    assert policy.schedulable == {'temperature': 2.5, 'curriculum_blocks': 4}
    assert float(policy.temperature) == 2.5 and int(policy.curriculum_blocks) == 4
