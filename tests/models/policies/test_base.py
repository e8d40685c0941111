"""Policy modes (search, warm-up, fixed), fixing a discrete mask, and the default report of mask and probabilities."""
import pytest
import torch

from mtlreg.models.policies import AdaSharePolicy, FixedMaskPolicy


def _policy():
    policy = AdaSharePolicy(['a', 'b'], (3,), sparsity_weight=0.1, sharing_weight=0.1)
    with torch.no_grad():
        policy.logits[..., 0] = torch.tensor([[2.0, -2.0, 2.0], [2.0, 2.0, -2.0]])
        policy.logits[..., 1] = 0.0
    return policy


def test_warmup_runs_every_unit_without_regularisers():
    policy = _policy().train()
    assert policy.mode == 'search' and policy.gates('a') is not None and policy.regularizers()
    policy.set_mode('warmup')
    assert policy.gates('a') is None and policy.gates('b') is None
    assert policy.regularizers() == {}


def test_fixed_mask_overrides_the_learned_gates_and_keeps_state_dict_keys():
    policy = _policy().train()
    keys = set(policy.state_dict())
    policy.fix(torch.tensor([[1, 0, 1], [1, 1, 1]]))
    assert policy.mode == 'fixed' and set(policy.state_dict()) == keys
    assert policy.gates('a').tolist() == [1.0, 0.0, 1.0]
    assert policy.gates('b') is None  # every unit on: the task shares the plain pass
    assert policy.regularizers() == {}
    assert policy.discretize(mode='sample', seed=1).tolist() == [[True, False, True], [True, True, True]]
    assert policy.probabilities().tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    # the mode and mask travel with the state dict
    other = _policy()
    other.load_state_dict(policy.state_dict())
    assert other.mode == 'fixed' and torch.equal(other.fixed_mask, policy.fixed_mask)


def test_fix_and_set_mode_reject_bad_input():
    policy = _policy()
    with pytest.raises(ValueError, match=r'mask has shape \(3,\), expected \(2, 3\)'):
        policy.fix(torch.ones(3))
    with pytest.raises(ValueError, match="mode must be one of"):
        policy.set_mode('frozen')


def test_the_default_report_gives_mask_and_probabilities_of_the_valid_units():
    policy = FixedMaskPolicy(['a', 'b'], (2, 2), mask=[[[1, 0], [1, 0]], [[1, 1], [0, 0]]])
    policy.set_valid_units(torch.tensor([[True, True], [True, False]]))  # three units
    report = policy.report()
    assert report.name == 'policy_report'
    assert report.record['tasks']['a'] == {'mask': [[1, 0], [1, 0]], 'probabilities': [[1.0, 0.0], [1.0, 0.0]]}
    assert report.scalars == {'policy_report/a/active': pytest.approx(2 / 3),
                              'policy_report/b/active': pytest.approx(2 / 3)}
    figure = report.figures['probabilities']
    assert figure.kind == 'heatmap' and figure.data['values'].tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    assert figure.data['decision'].tolist() == [[True, False, True], [True, True, False]]
    assert report.table == {'a': {'units': '2/3'}, 'b': {'units': '2/3'}}
