"""Deterministic crash injection for testing what a kill at any instant of a write leaves on disk.

``MTLREG_CRASH_AT=<point>[:<n>]`` makes the process exit at once (``os._exit``, no clean-up, as a
kill would) the ``n``-th time (default 1) it reaches :func:`crash_point` with that name. Unset, a
crash point costs one dictionary lookup.
"""
from __future__ import annotations

import os
from typing import Callable

ENV = 'MTLREG_CRASH_AT'
EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL
_reached: dict[str, int] = {}


def crash_point(name: str, before_exit: Callable[[], None] | None = None) -> None:
    """Exit here if ``MTLREG_CRASH_AT`` names this point (after ``before_exit``, e.g. truncating a file)."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    point, _, count = spec.partition(':')
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == int(count or 1):
        if before_exit is not None:
            before_exit()
        os._exit(EXIT_CODE)
