"""A kill at any step of a checkpoint save leaves a run that resumes to the same end as an unsplit run."""
import multiprocessing
import os

import pytest
import torch

from mtlreg.engine.hooks.checkpoint_hook import SAVE_STEPS
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.utils.crash_points import ENV, EXIT_CODE
from .tiny import tiny_cfg

pytestmark = pytest.mark.slow

MAX_ITERS, INTERVAL = 8, 2  # saves at iterations 2, 4, 6, 8


def _cfg(work_dir, max_keep, resume=False):
    cfg = tiny_cfg(work_dir, max_iters=MAX_ITERS, interval=INTERVAL)
    cfg.default_hooks.checkpoint.max_keep_ckpts = max_keep
    cfg.resume = resume
    return cfg


def _train(work_dir, max_keep, resume=False):
    torch.set_num_threads(1)
    MultiTaskRunner.from_cfg(_cfg(work_dir, max_keep, resume)).train()


def _crashing_run(work_dir, max_keep, crash_at):
    """In a fresh (spawned) process: autograd's threads do not survive a fork."""
    from mtlreg.registry import register_all_modules
    register_all_modules()
    os.environ[ENV] = crash_at
    _train(work_dir, max_keep)


def _end_state(work_dir):
    ckpt = torch.load(os.path.join(work_dir, f'iter_{MAX_ITERS}.pth'), weights_only=True)
    return ckpt['state_dict'], ckpt['optimizer']


def _assert_equal(a, b, where=''):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_equal(a[key], b[key], f'{where}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_equal(x, y, f'{where}[{i}]')
    else:
        assert a == b, where


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('unsplit'))
    _train(work_dir, max_keep=-1)
    return _end_state(work_dir)


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
