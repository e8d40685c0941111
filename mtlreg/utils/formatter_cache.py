"""The first import of MMEngine's config formatter (yapf), one process at a time.

MMEngine formats configs with yapf, whose first import on a machine writes its grammar tables to the
user's cache directory. yapf 0.43 renames that file into place before it has flushed it, so a second
process importing yapf at that moment (two runs of a sweep started together on a fresh machine) reads a
truncated pickle and stops with ``EOFError: Ran out of input``. :func:`import_config_formatter` imports
yapf under an exclusive lock on a file in that cache directory: the first process writes the tables
while the others wait, and they then read a complete file. ``import mtlreg`` calls it, before anything
imports MMEngine.
"""
from __future__ import annotations

import importlib
import os
import os.path as osp
import sys

#: the module whose import writes the grammar tables (through yapf's pgen2 driver)
FORMATTER_MODULE = 'yapf.yapflib.yapf_api'
LOCK_NAME = 'mtlreg-first-import.lock'


def formatter_cache_dir() -> str:
    """The directory above yapf's versioned grammar cache (``platformdirs``' user cache of yapf)."""
    from platformdirs import user_cache_dir
    return user_cache_dir(appname='YAPF', appauthor='Google')


def import_config_formatter() -> None:
    """Import yapf while holding the cache directory's lock; without yapf, ``fcntl`` or a writable
    cache there is nothing to serialise, and the import (if any) happens unlocked."""
    if FORMATTER_MODULE in sys.modules:
        return
    try:
        import fcntl
        directory = formatter_cache_dir()
        os.makedirs(directory, exist_ok=True)
        lock = open(osp.join(directory, LOCK_NAME), 'a')
    except (ImportError, OSError):
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            importlib.import_module(FORMATTER_MODULE)
        except ImportError:
            pass
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
