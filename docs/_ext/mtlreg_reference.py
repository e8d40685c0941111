"""Sphinx directives that generate the reference from the code, so it cannot go stale.

* ``mtlreg-registry CATEGORY [CATEGORY ...]``: a section per registry category (the names of
  ``mtlreg.registry.ALL_REGISTRIES``), one entry per module mtlreg registers there: the name to put
  in ``type=``, the import path, the constructor's arguments with their defaults and the docstring
  (autodoc). Modules of other packages (MMEngine's, plugins') are left out.
* ``mtlreg-config-keys``: tables of the top-level config keys (mtlreg's own, with what they hold, and
  those of MMEngine's ``Runner``) and of the keys of one task's declaration.
"""
from __future__ import annotations

import inspect
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_UNDERLINE = '-'


def _registered(category: str) -> list[tuple[str, object]]:
    """``(name, object)`` of every module mtlreg itself registers in ``category``, by name."""
    from mtlreg.registry import ALL_REGISTRIES
    from mtlreg.registry import register_all_modules
    register_all_modules()
    if category not in ALL_REGISTRIES:
        raise ValueError(f'mtlreg-registry: unknown category {category!r}; '
                         f'categories: {", ".join(ALL_REGISTRIES)}')
    registry = ALL_REGISTRIES[category]
    return sorted((name, obj) for name, obj in registry.module_dict.items()
                  if getattr(obj, '__module__', '').startswith('mtlreg.'))


def registry_rst(category: str) -> list[str]:
    """reStructuredText for one category."""
    from mtlreg.registry import ALL_REGISTRIES
    registry = ALL_REGISTRIES[category]
    members = _registered(category)
    title = f'{category.replace("_", " ").capitalize()} ({len(members)})'
    lines = [title, _UNDERLINE * len(title), '',
             f'Registry ``{registry.name}`` (``mtlreg.registry.{_constant_name(registry)}``); '
             f'a config selects a member with ``type=\'<name>\'``.', '']
    if not members:
        return lines + ['mtlreg registers nothing here; the members are MMEngine\'s.', '']
    documented: set[int] = set()
    for name, obj in members:
        path = f'{obj.__module__}.{obj.__qualname__}'
        alias = name != obj.__name__
        lines += [f'.. rubric:: ``type=\'{name}\'``' + (f' ({obj.__name__})' if alias else ''), '']
        directive = 'autoclass' if inspect.isclass(obj) else 'autofunction'
        lines += [f'.. {directive}:: {path}']
        if id(obj) in documented:
            lines += ['   :no-index:']
        documented.add(id(obj))
        lines += ['']
    return lines


def _constant_name(registry) -> str:
    import mtlreg.registry as module
    for key, value in vars(module).items():
        if value is registry and key.isupper():
            return key
    return registry.name


def _runner_arguments() -> list[tuple[str, str, str]]:
    """``(name, default, first sentence of its description)`` for MMEngine's Runner arguments."""
    from mmengine.runner import Runner
    doc = inspect.getdoc(Runner) or ''
    described = {}
    for match in re.finditer(r'^    (\w+) \([^)]*\): (.*?)(?=^    \w+ \(|\Z)', doc, re.S | re.M):
        text = ' '.join(match.group(2).split())
        described[match.group(1)] = text.split('. ')[0].rstrip('.') + '.'
    rows = []
    for name, parameter in inspect.signature(Runner.__init__).parameters.items():
        if name in ('self', 'cfg'):
            continue
        default = '' if parameter.default is inspect.Parameter.empty else repr(parameter.default)
        rows.append((name, default, described.get(name, '')))
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ['.. list-table::', '   :header-rows: 1', '']
    for row in [header] + rows:
        lines.append(f'   * - {row[0]}')
        lines += [f'     - {cell}' for cell in row[1:]]
    return lines + ['']


def _literal(text: str) -> str:
    return f'``{text}``' if text else ''


def _inline(text: str) -> str:
    """Docstring text as plain inline reST: roles and backquotes reduced to literals."""
    text = re.sub(r':\w+:`~?([^`]+)`', r'``\1``', text)
    return re.sub(r'(?<!`)`([^`]+)`(?!`)', r'``\1``', text)


def config_keys_rst() -> list[str]:
    from mtlreg.engine.config_validation import MTLREG_KEYS
    from mtlreg.models.multitask_model import TASK_KEYS
    lines = ['mtlreg\'s top-level keys', '------------------------', '',
             'Read by mtlreg beside the arguments of MMEngine\'s ``Runner`` (below). Any other top-level '
             'key is refused unless it starts with ``_`` (a helper variable) or is declared in '
             '``custom_keys``.', '']
    lines += _table(['key', 'what it holds'], [[_literal(k), _inline(v)] for k, v in sorted(MTLREG_KEYS.items())])
    lines += ['One task\'s declaration (``tasks.<name>``)', '-----------------------------------------', '']
    lines += _table(['key', 'what it holds'], [[_literal(k), _inline(v)] for k, v in TASK_KEYS.items()])
    lines += ['MMEngine\'s Runner keys', '----------------------', '',
              'Each is an argument of ``mmengine.runner.Runner`` (its documentation has the details); '
              'mtlreg\'s ``MultiTaskRunner`` takes the same.', '']
    lines += _table(['key', 'default', 'what it holds'],
                    [[_literal(n), _literal(d), _inline(t)] for n, d, t in _runner_arguments()])
    return lines


class _GeneratedRst(SphinxDirective):
    """Parse generated reStructuredText (sections included) in place of the directive."""

    def run(self):
        container = nodes.section()
        container.document = self.state.document
        content = StringList(self.lines(), source=self.get_source_info()[0])
        nested_parse_with_titles(self.state, content, container)
        return container.children

    def lines(self) -> list[str]:
        raise NotImplementedError


class RegistryDirective(_GeneratedRst):
    required_arguments = 1
    optional_arguments = 30

    def lines(self):
        out = []
        for category in self.arguments:
            out += registry_rst(category)
        return out


class ConfigKeysDirective(_GeneratedRst):
    def lines(self):
        return config_keys_rst()


def setup(app):
    app.add_directive('mtlreg-registry', RegistryDirective)
    app.add_directive('mtlreg-config-keys', ConfigKeysDirective)
    return {'parallel_read_safe': True, 'version': '1'}
