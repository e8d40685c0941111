"""Print every mtlreg registry and its members, plugins included."""
import argparse

from mtlreg.utils import loaded_plugins
from mtlreg.utils.cli import run_tool


def collect(include_parents: bool = False) -> dict[str, dict[str, str]]:
    """``{category: {name: defining module}}`` for every registry."""
    from mtlreg.registry import ALL_REGISTRIES, register_all_modules
    register_all_modules()
    result = {}
    for category, registry in ALL_REGISTRIES.items():
        members = {name: f'{obj.__module__}.{getattr(obj, "__qualname__", name)}'
                   for name, obj in registry.module_dict.items()}
        if include_parents and registry.parent is not None:
            for name, obj in registry.parent.module_dict.items():
                members.setdefault(name, f'{getattr(obj, "__module__", "?")}.{name}')
        result[category] = dict(sorted(members.items()))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--all', action='store_true', help="also list MMEngine's members each registry inherits")
    parser.add_argument('--category', help='only this category (e.g. losses)')
    args = parser.parse_args()
    modules = collect(args.all)
    if args.category and args.category not in modules:
        parser.error(f'unknown category {args.category!r}; categories: {", ".join(modules)}')
    for category, members in modules.items():
        if args.category and category != args.category:
            continue
        print(f'{category} ({len(members)})')
        for name, where in members.items():
            print(f'  {name:<40} {where}')
    plugins = loaded_plugins()
    print('plugins: ' + (', '.join(f'{k} ({v})' for k, v in plugins.items()) if plugins else 'none'))


if __name__ == '__main__':
    run_tool(main)
