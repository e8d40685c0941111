from .plugins import load_plugins, loaded_plugins
from .registry_base import MtlRegistry
from .setup_env import register_all_modules, set_runtime_env

__all__ = ['load_plugins', 'loaded_plugins', 'MtlRegistry', 'register_all_modules', 'set_runtime_env']
