"""Process set-up shared by the tools, the runner and the tests."""
from __future__ import annotations

import os


def set_runtime_env() -> None:
    """Keep third-party libraries off the network (no version checks, no hub downloads)."""
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    os.environ.setdefault('HF_HUB_OFFLINE', '1')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mtlreg module and the installed plugins, so that all registries are filled.

    Args:
        init_default_scope: also make ``mtlreg`` the current default scope.
    """
    set_runtime_env()
    import mtlreg.datasets  # noqa: F401
    import mtlreg.engine  # noqa: F401
    import mtlreg.evaluation  # noqa: F401
    import mtlreg.models  # noqa: F401
    import mtlreg.visualization  # noqa: F401
    from .plugins import load_plugins
    load_plugins()
    if init_default_scope:
        from mmengine.registry import DefaultScope, init_default_scope as _init
        current = DefaultScope.get_current_instance()
        if current is None or current.scope_name != 'mtlreg':
            _init('mtlreg')
