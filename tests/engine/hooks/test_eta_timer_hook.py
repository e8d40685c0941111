"""The ETA covers the rest of the run: the current stage's rate, the validations to come, their duration."""
import itertools
import re

import pytest
from mmengine.logging import MessageHub

from mtlreg.engine.hooks import EtaTimerHook
from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.loop_stubs import _plain_loop, _staged_loop
from tests.engine.tiny import tiny_staged_cfg


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class _Runner:
    """What the hook reads: the loop, its iteration, the message hub."""

    def __init__(self, loop, name):
        self.train_loop, self.message_hub = loop, MessageHub.get_instance(name)

    iter = property(lambda self: self.train_loop._iter)
    max_iters = property(lambda self: self.train_loop.max_iters)


def _hook(runner, window=200):
    hook, clock = EtaTimerHook(window=window), _Clock()
    hook.clock = clock
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    return hook, clock


def _iteration(hook, clock, runner, data, train, val_inside=None, val_after=None):
    """One training iteration of ``data`` + ``train`` seconds; a validation inside it (staged) or after it."""
    clock.now += data
    hook.before_train_iter(runner, batch_idx=runner.iter)
    clock.now += train
    for val in [val_inside] if val_inside else []:
        hook.before_val(runner)
        clock.now += val
        hook.after_val(runner)
    hook.after_train_iter(runner, batch_idx=runner.iter)
    runner.train_loop._iter += 1
    for val in [val_after] if val_after else []:
        hook.before_val(runner)
        clock.now += val
        hook.after_val(runner)
    hub = runner.message_hub
    return hub.get_info('eta'), hub.get_scalar('train/time').current(), hub.get_scalar('train/data_time').current()


def test_the_eta_of_a_staged_run_uses_the_current_stage_and_the_last_validation():
    loop = _staged_loop(dict(a=dict(iters=2), b=dict(iters=4, val_interval=2)))  # validations after 4 and 6
    runner = _Runner(loop, 'eta_staged')
    hook, clock = _hook(runner)
    assert hook.validations_left(0) == 2
    rows = [_iteration(hook, clock, runner, 0.5, 0.5) for _ in range(2)]  # stage a: 1 s per iteration
    rows += [_iteration(hook, clock, runner, 1, 2, val_inside=10 if i % 2 else None) for i in range(4)]  # b: 3 s
    etas, times, data_times = zip(*rows)
    # after 1: 5 iterations at a's 1 s, no validation timed yet; after 3: b's 3 s from now on;
    # after 4 (validated, 10 s): 2 x 3 s + 1 validation x 10 s; after 5: 3 s + 10 s; after 6: nothing left
    assert etas == pytest.approx([5, 4, 9, 16, 13, 0])
    assert times == pytest.approx([1, 1, 3, 3, 3, 3])  # the validations' 10 s are not an iteration's
    assert data_times == pytest.approx([0.5, 0.5, 1, 1, 1, 1])
    assert hook.last_validation == 10 and hook.validations_left(6) == 0


def test_a_validation_after_the_iteration_is_still_to_come_in_its_eta():
    runner = _Runner(_plain_loop(4, 2), 'eta_plain')  # validations after 2 and 4, run after the iteration
    hook, clock = _hook(runner)
    rows = [_iteration(hook, clock, runner, 0.5, 1.5, val_after=5 if i % 2 else None) for i in range(4)]
    etas, times, data_times = zip(*rows)
    # after 2: 2 x 2 s + 2 validations x 0 s (none timed yet); after 3: 2 s + 1 x 5 s; after 4: its 5 s validation
    assert etas == pytest.approx([6, 4, 7, 5])
    assert times == pytest.approx([2, 2, 2, 2]) and data_times == pytest.approx([0.5] * 4)


def test_the_rate_is_the_mean_of_the_latest_window_iterations():
    runner = _Runner(_plain_loop(5, 1, val_loop=False), 'eta_window')  # no validation loop: none counted
    hook, clock = _hook(runner, window=2)
    etas = [_iteration(hook, clock, runner, 0, t)[0] for t in (1, 1, 4, 2)]
    assert etas == pytest.approx([4 * 1, 3 * 1, 2 * (1 + 4) / 2, 1 * (4 + 2) / 2])
    with pytest.raises(ValueError, match='EtaTimerHook: window'):
        EtaTimerHook(window=0)


@pytest.mark.slow
def test_a_tiny_staged_run_prints_the_eta_of_its_clock(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_staged_cfg(tmp_path, warmup=2, search=4, retrain=2))
    timers = [h for h in runner.hooks if type(h).__name__.endswith('TimerHook')]
    assert [type(h) for h in timers] == [EtaTimerHook]  # default_hooks.timer (IterTimerHook) is this hook
    ticks = itertools.count(1)
    timers[0].clock = lambda: float(next(ticks))  # one second per reading of the clock
    runner.train()
    lines = [line for line in open(runner.logger.log_file) if 'Iter(train)' in line]
    seconds = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in
               (re.search(r'eta: (\d+):(\d\d):(\d\d)', line).groups() for line in lines)]
    times = [float(re.search(r' time: ([\d.]+)', line).group(1)) for line in lines]
    # every reading of the clock is 1 s: an iteration takes 2 s (1 s of it data), 3 s when it holds a
    # validation (read once more before it), and the validation itself 1 s, not counted in the iteration.
    # Validations after 4, 6 and 8 (warm-up: none). After 1: 7 x 2 s; after 4: the search's (2 + 3) / 2 s
    # over 4 iterations + 2 validations x 1 s; after 7: the re-training's 2 s + 1 validation x 1 s
    assert seconds == [14, 12, 10, 12, 9, 6, 3, 0]
    assert times == [2, 2, 2, 3, 2, 3, 2, 3]
    assert all(' data_time: 1.0000' in line for line in lines)
