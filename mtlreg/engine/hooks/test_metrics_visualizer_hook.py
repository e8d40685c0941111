"""Test metrics into the visualiser (TensorBoard), which MMEngine's logger hook writes to the log only."""
from __future__ import annotations

import numbers

from mmengine.hooks import Hook

from mtlreg.registry import HOOKS


@HOOKS.register_module()
class TestMetricsVisualizerHook(Hook):
    """Adds every numeric test metric as the scalar ``test/<metric>`` at the run's iteration.

    On in every run (``default_hooks.test_metrics``; None turns it off), so ``tools/test.py`` and
    ``--test`` put the test results next to the training curves.
    """

    priority = 'LOW'

    def after_test_epoch(self, runner, metrics: dict | None = None) -> None:
        scalars = {f'test/{k}': float(v) for k, v in (metrics or {}).items()
                   if isinstance(v, numbers.Real) and not isinstance(v, bool)}
        if scalars:
            runner.visualizer.add_scalars(scalars, step=runner.iter)
