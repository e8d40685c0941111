"""A test case with a tiny multi-task runner, so that a hook or loop test is a few lines (as MMEngine's)."""
from __future__ import annotations

import os.path as osp
import tempfile
import unittest

from mmengine.config import Config

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from .tiny_config import tiny_config, tiny_staged_config


class RunnerTestCase(unittest.TestCase):
    """Builds tiny runners in a temporary work dir that is removed after each test.

    ``self.plain_cfg()`` is a four-iteration shared-bottom run, ``self.staged_cfg()`` AdaShare's three
    stages in miniature (both from :mod:`mtlreg.testing.tiny_config`); ``self.build_runner(cfg)``
    builds a :class:`~mtlreg.engine.runner.MultiTaskRunner` from either, ``self.train(cfg)`` also
    trains it. Every runner gets its own work dir and visualiser name, so one test may build several.

    Example (a hook test)::

        class TestMyHook(RunnerTestCase):
            def test_it_writes_its_file(self):
                cfg = self.plain_cfg(custom_hooks=[dict(type='MyHook')])
                runner = self.train(cfg)
                self.assertTrue(osp.exists(osp.join(runner.work_dir, 'my_hook.json')))
    """

    def setUp(self) -> None:
        register_all_modules()
        self._temp = tempfile.TemporaryDirectory()
        self.temp_dir = self._temp.name
        self._runs = 0

    def tearDown(self) -> None:
        self._temp.cleanup()

    def _next_work_dir(self) -> str:
        self._runs += 1
        return osp.join(self.temp_dir, f'{self.id().rsplit(".", 1)[-1]}_{self._runs}')

    def plain_cfg(self, **options) -> Config:
        """The tiny one-stage run (``tiny_config``), with ``options`` (policy, balancer, any top-level key)."""
        return tiny_config(self._next_work_dir(), **options)

    def staged_cfg(self, **options) -> Config:
        """The tiny AdaShare run (``tiny_staged_config``): warm-up 2, search 4, re-training 2 iterations."""
        return tiny_staged_config(self._next_work_dir(), **options)

    def build_runner(self, cfg: Config) -> MultiTaskRunner:
        return MultiTaskRunner.from_cfg(cfg)

    def train(self, cfg: Config) -> MultiTaskRunner:
        """Build a runner from ``cfg`` and train it; returns the runner."""
        runner = self.build_runner(cfg)
        runner.train()
        return runner
