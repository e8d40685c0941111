"""Process set-up shared by the tools, the runner and the tests (filling the registries: ``mtlreg.registry``)."""
from __future__ import annotations

import os


def set_runtime_env() -> None:
    """Keep third-party libraries off the network (no version checks, no hub downloads)."""
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
