"""Helpers below every other layer; imported lazily, so that light modules (the CLI) stay light."""
import importlib

_EXPORTS = {'load_plugins': '.plugins', 'loaded_plugins': '.plugins', 'MtlRegistry': '.registry_base',
            'set_runtime_env': '.setup_env'}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
