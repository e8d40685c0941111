"""Test metrics into the visualiser (TensorBoard), which MMEngine's logger hook writes to the log only."""
from __future__ import annotations

import numbers

from mmengine.hooks import Hook

from mtlreg.registry import HOOKS


@HOOKS.register_module()
class TestMetricsVisualizerHook(Hook):
    """Adds every numeric test metric as the scalar ``test/<metric>`` at the iteration of the weights tested.

    That is the checkpoint's iteration when a checkpoint was loaded after any training in the process
    (``tools/test.py``, ``test_checkpoint='best'``), else the run's iteration. On in every run
    (``default_hooks.test_metrics``; None turns it off), so ``tools/test.py`` and ``--test`` put the
    test results next to the training curves.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._checkpoint_iter = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') or {}
        self._checkpoint_iter = meta.get('iter') if isinstance(meta.get('iter'), int) else None

    def after_train(self, runner) -> None:
        self._checkpoint_iter = None  # the weights are now those of the run's iteration

    def after_test_epoch(self, runner, metrics: dict | None = None) -> None:
        scalars = {f'test/{k}': float(v) for k, v in (metrics or {}).items()
                   if isinstance(v, numbers.Real) and not isinstance(v, bool)}
        if scalars:
            step = runner.iter if self._checkpoint_iter is None else self._checkpoint_iter
            runner.visualizer.add_scalars(scalars, step=step)
