"""A kill at any step of a checkpoint save leaves a run that resumes to the same end as an unsplit run."""
import multiprocessing
import os

import pytest

from mtlreg.engine.hooks.checkpoint_hook import SAVE_STEPS
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.utils.crash_points import ENV, EXIT_CODE
from tests.engine.crash_runs import INTERVAL, MAX_ITERS, _assert_equal, _cfg, _end_state, _train

pytestmark = pytest.mark.slow


def _crashing_run(work_dir, max_keep, crash_at):
    """In a fresh (spawned) process: autograd's threads do not survive a fork."""
    from mtlreg.registry import register_all_modules
    register_all_modules()
    os.environ[ENV] = crash_at
    _train(work_dir, max_keep)


@pytest.mark.parametrize('max_keep', [1, 2])
@pytest.mark.parametrize('step', SAVE_STEPS)
def test_a_kill_at_any_step_of_a_save_resumes_to_the_unsplit_end(tmp_path, reference, max_keep, step):
    # in the save that first retires a checkpoint: the 2nd with one kept, the 3rd with two
    crash_at = f'{step}:{1 if step == "old_checkpoint_removed" else max_keep + 1}'
    work_dir = str(tmp_path)
    child = multiprocessing.get_context('spawn').Process(target=_crashing_run, args=(work_dir, max_keep, crash_at))
    child.start()
    child.join(300)
    assert child.exitcode == EXIT_CODE, f'the run did not crash at {crash_at}'
    assert not os.path.exists(os.path.join(work_dir, f'iter_{MAX_ITERS}.pth'))

    runner = MultiTaskRunner.from_cfg(_cfg(work_dir, max_keep, resume=True))
    runner.train()
    # nothing complete is lost: the crashed save's checkpoint once renamed into place, else the one before
    crashed_save = max_keep + 1
    written = crashed_save if SAVE_STEPS.index(step) >= SAVE_STEPS.index('checkpoint_renamed') else crashed_save - 1
    assert f'Resumed from {os.path.join(work_dir, f"iter_{INTERVAL * written}.pth")}' in \
        open(runner.logger.log_file).read()
    state, optimizer = _end_state(work_dir)
    _assert_equal(state, reference[0], 'state_dict')
    _assert_equal(optimizer, reference[1], 'optimizer')
    names = os.listdir(work_dir)
    assert not [n for n in names if '.partial' in n], names
    kept = sorted(n for n in names if n.startswith('iter_'))
    assert kept == [f'iter_{MAX_ITERS - INTERVAL * k}.pth' for k in reversed(range(max_keep))], kept
    with open(os.path.join(work_dir, 'last_checkpoint')) as f:
        assert f.read() == os.path.join(work_dir, f'iter_{MAX_ITERS}.pth')
