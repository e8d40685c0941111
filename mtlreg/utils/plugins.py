"""Discovery of third-party plugin packages through the ``mtlreg.plugins`` entry-point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."mtlreg.plugins"]
    my_plugin = "my_plugin"

and mtlreg imports ``my_plugin`` when it sets up, so every module it
registers is available by ``type=`` name in configs.

Environment variables:

* ``MTLREG_PLUGINS_STRICT=1``: a plugin that fails to import is an error
  (default: a warning naming the plugin and the error).
* ``MTLREG_DISABLE_PLUGIN_AUTOLOAD=1``: do not import any plugin.
"""
from __future__ import annotations

import os
import warnings
from importlib.metadata import entry_points

GROUP = 'mtlreg.plugins'
_loaded: dict[str, str] = {}


class PluginError(RuntimeError):
    """A plugin failed to load while ``MTLREG_PLUGINS_STRICT`` is set."""


def _flag(name: str) -> bool:
    return os.environ.get(name, '').strip().lower() in {'1', 'true', 'yes', 'on'}


def load_plugins() -> dict[str, str]:
    """Import every plugin of the ``mtlreg.plugins`` group once; return ``{name: module}`` loaded."""
    if _flag('MTLREG_DISABLE_PLUGIN_AUTOLOAD'):
        return {}
    for ep in entry_points(group=GROUP):
        if ep.name in _loaded:
            continue
        try:
            module = ep.load()
            _loaded[ep.name] = getattr(module, '__name__', ep.value)
        except KeyError as err:
            # A duplicate registered name is always an error: it would silently change configs.
            raise KeyError(f'mtlreg plugin {ep.name!r} ({ep.value}): {err.args[0]}') from err
        except Exception as err:  # noqa: BLE001 - a broken plugin must not break the core
            message = f'mtlreg plugin {ep.name!r} ({ep.value}) failed to load: {type(err).__name__}: {err}'
            if _flag('MTLREG_PLUGINS_STRICT'):
                raise PluginError(message) from err
            warnings.warn(message + ' (set MTLREG_PLUGINS_STRICT=1 to make this an error)', stacklevel=2)
    return dict(_loaded)


def loaded_plugins() -> dict[str, str]:
    """The plugins imported so far, ``{entry-point name: module}``."""
    return dict(_loaded)

