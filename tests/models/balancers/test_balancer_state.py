"""Helpers of stateful balancers: the log's input check, flattening, tracked gradients that load strictly."""
import pytest
import torch

from mtlreg.models.balancers.balancer_state import check_positive, flatten_gradients, unflatten
from mtlreg.registry import BALANCERS


def test_flatten_and_unflatten_are_inverse():
    grads = {'a': [torch.tensor([1.0, 2.0]), torch.tensor([[3.0]])], 'b': [torch.tensor([4.0, 5.0]), torch.tensor([[6.0]])]}
    tasks, matrix, shapes = flatten_gradients(grads)
    assert tasks == ['a', 'b'] and matrix.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    back = unflatten(matrix[1], shapes)
    assert [b.tolist() for b in back] == [[4.0, 5.0], [[6.0]]]


def test_a_loss_that_cannot_go_through_a_logarithm_is_named():
    check_positive('X', ['a', 'b'], torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"X: takes the logarithm of every task loss.*got \{'b': 0.0\}"):
        check_positive('X', ['a', 'b'], torch.tensor([1.0, 0.0]))


def test_tracked_gradients_take_their_size_at_the_first_step_and_load_strictly_either_way():
    fresh = BALANCERS.build(dict(type='MoCoBalancer'), default_args=dict(task_names=['a', 'b']))
    used = BALANCERS.build(dict(type='MoCoBalancer'), default_args=dict(task_names=['a', 'b']))
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    used.shared_gradients({'a': [torch.tensor([1.0, -2.0])], 'b': [torch.tensor([0.5, 3.0])]})
    assert used.tracked.shape == (2, 2)
    fresh.load_state_dict(used.state_dict(), strict=True)
    assert torch.equal(fresh.tracked, used.tracked)
    used.load_state_dict(before, strict=True)
    assert used.tracked.shape == (2, 0)
