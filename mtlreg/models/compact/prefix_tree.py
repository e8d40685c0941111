"""Tasks' paths through a sequence of units as a prefix tree: a shared prefix is one chain of nodes."""
from __future__ import annotations

from typing import Hashable, Sequence


def build_prefix_tree(paths: dict[str, Sequence[Hashable]]) -> tuple[list[tuple[int, int, Hashable]], dict[str, int]]:
    """Merge the tasks' paths (one choice per depth) into a tree.

    Returns the nodes as ``(parent, depth, choice)`` in topological order
    (parent ``-1`` is the root, the input of depth 0) and each task's leaf
    node (``-1`` for an empty path). Two tasks share a node exactly when their
    paths agree up to and including its depth, so what they share is
    computed once.

    >>> build_prefix_tree({'a': (1, 1, 0), 'b': (1, 0, 0), 'c': (1, 1, 0)})
    ([(-1, 0, 1), (0, 1, 1), (1, 2, 0), (0, 1, 0), (3, 2, 0)], {'a': 2, 'b': 4, 'c': 2})
    """
    nodes: list[tuple[int, int, Hashable]] = []
    index: dict[tuple[int, Hashable], int] = {}
    leaves = {}
    for task, path in paths.items():
        parent = -1
        for depth, choice in enumerate(path):
            key = (parent, choice)
            if key not in index:
                index[key] = len(nodes)
                nodes.append((parent, depth, choice))
            parent = index[key]
        leaves[task] = parent
    return nodes, leaves


def needed_nodes(nodes: Sequence[tuple[int, ...]], leaves: Sequence[int]) -> set[int]:
    """The nodes on the way from the root to the given leaves."""
    needed = set()
    for node in leaves:
        while node >= 0 and node not in needed:
            needed.add(node)
            node = nodes[node][0]
    return needed


def requested_tasks(owner, tasks, known) -> list[str]:
    """``tasks`` as a list (all ``owner.task_names`` for None); an unknown task is a clear error."""
    tasks = list(owner.task_names) if tasks is None else list(tasks)
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise KeyError(f'{type(owner).__name__}: unknown tasks {unknown}; tasks are {list(owner.task_names)}')
    return tasks
