"""Lookahead affinities (TAG, Eq. 1–2) against closed forms; their running mean and its state."""
import pytest
import torch

from mtlreg.engine.task_affinity import AffinityAverage, lookahead_affinity


def _linear_tasks(weights, offsets, theta):
    """Tasks with losses c_j + w_j·θ: a step −η w_i changes L_j by exactly −η w_j·w_i."""
    theta = torch.nn.Parameter(torch.tensor(theta, dtype=torch.float64))
    weights = {t: torch.tensor(w, dtype=torch.float64) for t, w in weights.items()}

    def losses_at():
        return {t: offsets[t] + w @ theta for t, w in weights.items()}
    return theta, losses_at


def test_two_linear_tasks_against_the_closed_form():
    # θ = (1, 2), L_a = 3 + (1, 0)·θ = 4, L_b = 5 + (1, 1)·θ = 8, η = 0.1: Z_{i→j} = η w_j·w_i / L_j
    theta, losses_at = _linear_tasks({'a': [1.0, 0.0], 'b': [1.0, 1.0]}, {'a': 3.0, 'b': 5.0}, [1.0, 2.0])
    z = lookahead_affinity(losses_at, [theta], 0.1, ['a', 'b'])
    expected = torch.tensor([[0.1 * 1 / 4, 0.1 * 1 / 8], [0.1 * 1 / 4, 0.1 * 2 / 8]], dtype=torch.float64)
    torch.testing.assert_close(z, expected, rtol=0, atol=1e-12)
    assert theta.tolist() == [1.0, 2.0] and theta.grad is None  # left as it was, no gradient accumulated


def test_identical_tasks_have_the_largest_affinity_and_orthogonal_ones_none():
    # unit gradients: b equals a, c at 60 degrees, d orthogonal, e opposite; every loss 10
    weights = {'a': [1.0, 0.0], 'b': [1.0, 0.0], 'c': [0.5, 0.75 ** 0.5], 'd': [0.0, 1.0], 'e': [-1.0, 0.0]}
    theta, losses_at = _linear_tasks(weights, {t: 10.0 for t in weights}, [0.0, 0.0])
    z = lookahead_affinity(losses_at, [theta], 0.5, list(weights))
    onto_others = z[0, 1:]  # a's step onto b, c, d, e
    assert onto_others.tolist() == pytest.approx([0.05, 0.025, 0.0, -0.05], abs=1e-12)
    assert z[0, 1] == z[0, 0] == onto_others.max()


def test_a_zero_loss_and_a_task_that_reaches_only_its_own_parameters():
    shared = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    head = torch.nn.Parameter(torch.tensor([2.0], dtype=torch.float64))

    def losses_at():
        return {'a': 2.0 * shared.sum(), 'b': 0.0 * shared.sum(), 'c': 3.0 * head.sum()}
    z = lookahead_affinity(losses_at, [shared, head], 0.1, ['a', 'b', 'c'])
    assert z[:, 1].tolist() == [0.0, 0.0, 0.0]  # b has nothing to lower
    assert z[2].tolist() == [0.0, 0.0, 0.0]  # c's head is its own, not shared: no step, no change
    assert head.tolist() == [2.0] and shared.tolist() == [1.0]
    assert z[0, 0].item() == pytest.approx(1 - (2 * 0.8) / 2)  # a's own step: 1 − 2(1 − 0.1·2)/2
    with pytest.raises(KeyError, match=r"no loss for the tasks \['d'\]"):
        lookahead_affinity(losses_at, [shared], 0.1, ['a', 'd'])


def test_running_mean_its_state_and_the_saved_form():
    average = AffinityAverage(['a', 'b'])
    average.add(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    average.add(torch.tensor([[3.0, 0.0], [1.0, 0.0]]))
    assert average.mean().tolist() == [[2.0, 1.0], [2.0, 2.0]]
    resumed = AffinityAverage(['a', 'b'])
    resumed.load_state_dict(average.state_dict())
    assert resumed.count == 2 and torch.equal(resumed.mean(), average.mean())
    with pytest.raises(ValueError, match=r"measured the tasks \['a', 'b'\]"):
        AffinityAverage(['a', 'c']).load_state_dict(average.state_dict())
    with pytest.raises(ValueError, match='2×2 matrix'):
        average.add(torch.zeros(3, 3))
