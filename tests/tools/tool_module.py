"""A script of ``tools/`` imported as a module, so its tests can call its functions."""
import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_tool(relative_path: str):
    """The module of ``tools/<relative_path>``, e.g. ``load_tool('analysis/seed_sweep.py')``."""
    path = os.path.join(REPO, 'tools', relative_path)
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
