"""Tasks' paths as a prefix tree: exactly the common prefixes shared, and the nodes a leaf needs."""
from mtlreg.models.compact import build_prefix_tree, needed_nodes


def test_prefix_tree_shares_exactly_the_common_prefixes():
    nodes, leaves = build_prefix_tree({'a': (1, 1, 0), 'b': (1, 1, 1), 'c': (0, 1, 1), 'd': (1, 1, 0)})
    assert len(nodes) == 3 + 1 + 3 and leaves['a'] == leaves['d'] != leaves['b']
    assert needed_nodes(nodes, [leaves['b']]) == {0, 1, 3}
    assert build_prefix_tree({'a': ()}) == ([], {'a': -1})
