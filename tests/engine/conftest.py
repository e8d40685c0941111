"""Runs that the tests of several engine modules check: a tiny staged training and an unsplit reference run."""
import pytest

from tests.engine.crash_runs import _end_state, _train
from tests.engine.staged_probe import _runner
from tests.engine.tiny import tiny_staged_cfg


@pytest.fixture(scope='session')
def staged_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('staged')
    runner, probe = _runner(tiny_staged_cfg(work_dir))
    runner.train()
    return runner, probe, work_dir


@pytest.fixture(scope='session')
def reference(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('unsplit'))
    _train(work_dir, max_keep=-1)
    return _end_state(work_dir)
