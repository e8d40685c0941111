"""Copying a supernet's modules into a compact network without duplicating what they share."""
from __future__ import annotations

import copy
from typing import Callable

from torch import nn


def module_cloner(copy_modules: bool) -> Callable[[nn.Module], nn.Module]:
    """A function that copies modules (or, without ``copy_modules``, returns them as they are).

    Copies share one memo, so a module reached twice — a residual block and, for a task that skips
    it, the block's own shortcut projection — becomes one module of the compact network, as in the
    supernet, not two copies of the same weights.
    """
    if not copy_modules:
        return lambda module: module
    memo: dict = {}
    return lambda module: copy.deepcopy(module, memo)
