"""DWA: weights on a hand-made loss sequence, a resume mid-window, evaluation calls ignored."""
import math

import pytest
import torch

from mtlreg.models.balancers import DWABalancer


def _feed(balancer, pairs):
    for a, b in pairs:
        balancer({'a': torch.tensor(a), 'b': torch.tensor(b)})


def test_dwa_weights_on_a_hand_made_loss_sequence():
    dwa = DWABalancer(['a', 'b'], temperature=2.0, window=2).train()
    _feed(dwa, [(4.0, 1.0), (2.0, 1.0)])      # window 1: means a 3, b 1
    assert dwa.current_weights() == {'a': 1.0, 'b': 1.0}
    _feed(dwa, [(1.5, 1.0), (1.5, 1.0)])      # window 2: means a 1.5, b 1 -> r = (0.5, 1)
    ea, eb = math.exp(0.5 / 2), math.exp(1.0 / 2)
    expected = {'a': 2 * ea / (ea + eb), 'b': 2 * eb / (ea + eb)}
    assert dwa.weights.tolist() == pytest.approx([expected['a'], expected['b']])  # for the next window
    assert dwa.current_weights() == {'a': 1.0, 'b': 1.0}  # what the call that closed the window used
    objective = dwa({'a': torch.tensor(2.0), 'b': torch.tensor(3.0)})
    assert float(objective) == pytest.approx(2.0 * expected['a'] + 3.0 * expected['b'])
    assert dwa.current_weights() == pytest.approx(expected)


def test_dwa_resumes_mid_window_and_ignores_evaluation_calls():
    dwa = DWABalancer(['a', 'b'], window=3).train()
    _feed(dwa, [(3.0, 2.0)] * 4 + [(1.0, 2.0)])
    copy = DWABalancer(['a', 'b'], window=3)
    copy.load_state_dict(dwa.state_dict())
    copy.train()
    dwa.eval()
    _feed(dwa, [(100.0, 100.0)])                # evaluation: not averaged
    dwa.train()
    for balancer in (dwa, copy):
        _feed(balancer, [(1.0, 2.0)] * 4)
    assert dwa.current_weights() == pytest.approx(copy.current_weights())
    # windows: (3,2)x3 -> means (3, 2); (3,2),(1,2),(1,2) -> (5/3, 2); (1,2)x3 -> (1, 2); r = (3/5, 1)
    ea, eb = math.exp(3 / 5 / 2), math.exp(1 / 2)
    assert float(dwa.weights[0]) == pytest.approx(2 * ea / (ea + eb))  # the next window's
    ea, eb = math.exp(5 / 9 / 2), math.exp(1 / 2)  # the last call used those of windows (3, 2), (5/3, 2)
    assert dwa.current_weights()['a'] == pytest.approx(2 * ea / (ea + eb))
