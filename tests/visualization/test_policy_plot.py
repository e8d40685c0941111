"""The policy heatmap marks the decision and the coin flips; a sparse grid shows only its units."""
import numpy as np

from mtlreg.visualization import decision_heatmap, policy_heatmap
from mtlreg.visualization.policy_plot import UNCERTAIN_MARGIN
from tests.visualization.task_names import TASKS


def _red(image):
    return int(((image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)).sum())


def test_the_decision_is_outlined_on_the_probabilities():
    probs = np.array([[0.9, 0.1], [0.45, 0.8], [0.2, 0.7]])
    plain = policy_heatmap(probs, TASKS, ['b0', 'b1'], title='p')
    marked = decision_heatmap(probs, probs >= 0.5, TASKS, ['b0', 'b1'], title='p')
    assert _red(plain) == 0 and _red(marked) > 100
    # a cell within UNCERTAIN_MARGIN of 0.5 (0.45) is marked; without such a cell nothing is
    coin_flip = policy_heatmap(probs, TASKS, ['b0', 'b1'], title='p', flag_uncertain=False)
    assert not np.array_equal(plain, coin_flip)
    firm = np.array([[0.9, 0.1], [0.5 + UNCERTAIN_MARGIN + 0.05, 0.8], [0.2, 0.7]])
    assert np.array_equal(policy_heatmap(firm, TASKS, ['b0', 'b1'], title='p'),
                          policy_heatmap(firm, TASKS, ['b0', 'b1'], title='p', flag_uncertain=False))


def test_a_sparse_grid_shows_only_its_units():
    probs = np.full((3, 4), 0.7)
    wide = decision_heatmap(probs, probs > 0.5, TASKS, ['a', 'b', 'c', 'd'], title='p')
    narrow = decision_heatmap(probs, probs > 0.5, TASKS, ['a', '', 'c', ''], title='p')
    assert narrow.shape[1] < wide.shape[1]
