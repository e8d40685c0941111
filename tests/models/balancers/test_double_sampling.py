"""The double-sampling base: the number of parts, the weights kept on the Jacobian's dtype after a resume."""
import pytest
import torch

from tests.models.balancers.double_parts import J1, J2, J3, build, combine
from tests.models.balancers.stateful_steps import saved


@pytest.mark.parametrize('name', ['MoDoBalancer', 'SDMGradBalancer'])
def test_the_parts_are_two_or_three_and_come_through_the_model(name):
    assert build(name, samples=2).loss_samples == 2 and build(name, samples=3).loss_samples == 3
    with pytest.raises(ValueError, match=f'{name}: samples must be 2'):
        build(name, samples=1)
    with pytest.raises(ValueError, match=f'{name} needs the gradients of'):
        build(name).shared_gradients({'a': [J1[0]], 'b': [J1[1]]})


def test_restored_weights_continue_in_the_dtype_of_the_jacobian():
    original = build('MoDoBalancer', gamma=0.05)
    combine(original, J1, J2)
    resumed = build('MoDoBalancer', gamma=0.05)
    resumed.load_state_dict(saved(original), strict=True)
    expected = combine(original, J1.double(), J2.double())[1]
    got = combine(resumed, J1.double(), J2.double())[1]
    assert got == expected != combine(build('MoDoBalancer', gamma=0.05), J1.double(), J2.double())[1]
    assert resumed.aggregator.weighting._lambda.dtype == torch.float64
    with pytest.raises(ValueError, match=r"MoDoBalancer: the aggregator state 'weights' in the checkpoint has shape"):
        three = build('MoDoBalancer')
        state = saved(original)
        state['_extra_state']['aggregator']['weights'] = torch.ones(3) / 3
        three.load_state_dict(state)
    assert J3.shape == (2, 3)
