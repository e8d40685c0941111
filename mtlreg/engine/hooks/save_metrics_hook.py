"""Keep the metrics of the latest validation as JSON in the work dir."""
from __future__ import annotations

import math
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mtlreg.registry import HOOKS
from mtlreg.utils.atomic_io import write_json_atomic


@HOOKS.register_module()
class SaveMetricsHook(Hook):
    """Writes ``<work_dir>/<filename>`` after every validation: ``{'iteration': i, 'metrics': {...}}``.

    Tools that run a training in another process (a sweep over seeds or task
    groups) read the last validation from this file instead of parsing logs.
    The file is replaced atomically, so a crash leaves the previous one.

    Args:
        filename (str): name of the file in the work dir.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'val_metrics.json') -> None:
        if not filename or osp.basename(filename) != filename:
            raise ValueError(f'SaveMetricsHook.filename: expected a file name without a directory, got {filename!r}')
        self.filename = filename

    def after_val_epoch(self, runner, metrics: dict | None = None) -> None:
        if not is_main_process() or not metrics:
            return
        values = {}
        for key, value in metrics.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            values[key] = number if math.isfinite(number) else None
        write_json_atomic(osp.join(runner.work_dir, self.filename), {'iteration': runner.iter, 'metrics': values})
