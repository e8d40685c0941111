"""The sharing tree puts tasks that share a prefix side by side; DAG nodes keep their depth."""
from mtlreg.visualization.sharing_tree import sharing_tree_image, tree_layout
from tests.visualization.task_names import TASKS


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
