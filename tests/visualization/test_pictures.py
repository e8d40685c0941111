"""The policy heatmap marks the decision and the coin flips; the sharing tree puts sharers side by side."""
import numpy as np

from mtlreg.visualization import decision_heatmap, policy_heatmap
from mtlreg.visualization.policy_plot import UNCERTAIN_MARGIN
from mtlreg.visualization.sharing_tree import sharing_tree_image, tree_layout

TASKS = ['seg', 'depth', 'edge']


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


def test_tasks_sharing_a_prefix_stand_side_by_side():
    # seg and edge share blocks 0-1 and 2; depth leaves after block 1
    nodes = [dict(node=0, parent=-1, unit='block0', tasks=TASKS), dict(node=1, parent=0, unit='block1', tasks=TASKS),
             dict(node=2, parent=1, unit='skip2', tasks=['depth']), dict(node=3, parent=1, unit='block2',
                                                                          tasks=['seg', 'edge'])]
    depth, order = tree_layout(nodes, TASKS)
    assert depth == {0: 1, 1: 2, 2: 3, 3: 3}
    assert abs(order.index('seg') - order.index('edge')) == 1
    image = sharing_tree_image(nodes, TASKS)
    assert image.ndim == 3 and image.shape[2] == 3
    dag = [dict(node=0, parent=-1, unit='v1<in', tasks=['seg'], depth=1),
           dict(node=1, parent=-1, unit='v2<v1', tasks=['seg', 'depth'], depth=2)]
    assert tree_layout(dag, TASKS)[0] == {0: 1, 1: 2}
