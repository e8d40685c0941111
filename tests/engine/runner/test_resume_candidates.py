"""Resuming without a checkpoint path: the work dir's newest readable checkpoint, a broken one skipped, or the start."""
import os

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.crash_runs import MAX_ITERS, _assert_equal, _cfg, _end_state, _train

pytestmark = pytest.mark.slow


def test_resume_auto_skips_a_broken_newest_checkpoint_and_ignores_a_pointer_outside(tmp_path, reference):
    work_dir = str(tmp_path / 'run')
    _train(work_dir, max_keep=-1)
    newest = os.path.join(work_dir, f'iter_{MAX_ITERS}.pth')
    with open(newest, 'rb+') as f:
        f.truncate(100)
    elsewhere = tmp_path / 'elsewhere.pth'
    elsewhere.write_bytes(b'not a checkpoint')
    with open(os.path.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(str(elsewhere))
    with open(os.path.join(work_dir, '.iter_8.pth.partial'), 'wb') as f:
        f.write(b'half')
    runner = MultiTaskRunner.from_cfg(_cfg(work_dir, -1, resume=True))
    runner.train()
    log = open(runner.logger.log_file).read()
    assert 'lies outside the work dir: ignored' in log
    assert f'skipping {newest}: cannot be read' in log
    assert f'Resumed from {os.path.join(work_dir, "iter_6.pth")}' in log
    assert not os.path.exists(os.path.join(work_dir, '.iter_8.pth.partial'))
    _assert_equal(_end_state(work_dir)[0], reference[0], 'state_dict')


def test_resume_auto_without_checkpoints_starts_from_the_beginning(tmp_path):
    runner = MultiTaskRunner.from_cfg(_cfg(str(tmp_path), 1, resume=True))
    runner.train()
    assert runner.iter == MAX_ITERS
    assert 'no checkpoint to resume from' in open(runner.logger.log_file).read()
