"""Visit every dict of a config, however deeply nested."""


def walk_config(node, visit):
    """Call ``visit(d)`` on every dict inside ``node`` (dicts, lists and tuples), parents first."""
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            walk_config(value, visit)
    elif isinstance(node, (list, tuple)):
        for value in node:
            walk_config(value, visit)
