"""Random loss weighting: softmax of a standard normal draw per step, the same on every process and after a resume."""
import pytest
import torch

from mtlreg.registry import BALANCERS


def _rlw(**args):
    return BALANCERS.build(dict(type='RLWBalancer', **args), default_args=dict(task_names=['a', 'b', 'c']))


LOSSES = {'a': torch.tensor(1.0), 'b': torch.tensor(2.0), 'c': torch.tensor(4.0)}


def test_the_weights_are_the_softmax_of_a_seeded_normal_draw_per_step():
    balancer = _rlw(seed=3)
    first = balancer(LOSSES)
    drawn = torch.randn(3, generator=torch.Generator().manual_seed(3 * 1000003)).softmax(0)
    assert balancer.current_weights() == pytest.approx(dict(zip('abc', drawn.tolist())))
    assert float(first) == pytest.approx(float(drawn @ torch.tensor([1.0, 2.0, 4.0])), rel=1e-6)
    assert sum(balancer.current_weights().values()) == pytest.approx(1.0)
    balancer(LOSSES)
    assert balancer.current_weights() != pytest.approx(dict(zip('abc', drawn.tolist())))  # a new draw


def test_two_instances_and_a_resumed_one_draw_the_same_sequence():
    a, b = _rlw(), _rlw()
    seq_a = [a(LOSSES).item() for _ in range(3)]
    resumed = _rlw()
    b(LOSSES)
    resumed.load_state_dict(b.state_dict())
    assert [resumed(LOSSES).item() for _ in range(2)] == seq_a[1:]


def test_num_tasks_scale_and_evaluation_weights():
    balancer = _rlw(scale='num_tasks')
    balancer(LOSSES)
    assert sum(balancer.current_weights().values()) == pytest.approx(3.0)
    balancer.eval()
    assert float(balancer(LOSSES)) == 7.0 and balancer.current_weights() == {'a': 1.0, 'b': 1.0, 'c': 1.0}
    with pytest.raises(ValueError, match="RLWBalancer: scale must be 'paper' or 'num_tasks'"):
        _rlw(scale='sum')
