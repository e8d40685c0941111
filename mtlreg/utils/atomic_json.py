"""Write JSON so that a crash never leaves a half-written file."""
from __future__ import annotations

import json
import os
import os.path as osp


def write_json_atomic(path: str, obj) -> None:
    """Dump ``obj`` to ``path`` through a temporary file renamed into place."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    partial = path + '.partial'
    with open(partial, 'w') as f:
        json.dump(obj, f, indent=2)
    os.replace(partial, path)
