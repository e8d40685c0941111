"""Iteration times without validation, and an ETA over the rest of the run: every stage and every validation."""
from __future__ import annotations

import bisect
import time
from collections import deque

from mmengine.hooks import IterTimerHook

from mtlreg.registry import HOOKS


@HOOKS.register_module(name=['IterTimerHook', 'EtaTimerHook'])
class EtaTimerHook(IterTimerHook):
    """MMEngine's ``IterTimerHook``, registered in mtlreg under the same name, with an ETA for the whole run.

    MMEngine's ETA is the mean training iteration time times the iterations left: validation is left
    out, and a slow stage (a search running one pass per task) is averaged with the others. Here,
    after every training iteration, ``eta`` (printed in the log line, kept in the message hub) is

    * the iterations left in the current stage times the mean time of its latest ``window`` iterations
      (the stage's own rate: earlier, faster or slower stages do not count),
    * plus the iterations of every later stage times the same rate (a stage not run yet has no time of
      its own, and the current stage is the latest measurement),
    * plus the validations still to come, counted from the train loop's schedule (its
      ``validates_after(iteration)``; a loop without one counts none), times the duration of the last
      validation (0 until one ran).

    ``train/time`` and ``train/data_time`` leave out the time spent validating (MMEngine's clock
    restarts at every validation batch, so it times the iteration that contains a validation, or the
    one after it, from the validation's last batch). Validation and test iterations are timed as by
    MMEngine.

    Args:
        window: how many of the current stage's latest iterations its rate averages.
    """

    #: the clock all training times are read from (seconds)
    clock = staticmethod(time.perf_counter)

    def __init__(self, window: int = 200) -> None:
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise ValueError(f'EtaTimerHook: window must be an int >= 1, got {window!r}')
        super().__init__()
        self.window = window
        #: the current stage's latest iteration times
        self.stage_times: deque = deque(maxlen=window)
        self._stage = None
        self.validation_iters: list[int] = []
        self.last_validation = 0.0
        self._mark = 0.0
        self._step = 0
        self._validated = None
        self._val_start = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        validates_after = getattr(runner.train_loop, 'validates_after', None)
        self.validation_iters = [] if validates_after is None else \
            [i for i in range(runner.iter + 1, runner.max_iters + 1) if validates_after(i)]
        self._step, self._validated = runner.iter, None

    def _before_epoch(self, runner, mode: str = 'train') -> None:
        super()._before_epoch(runner, mode)
        if mode == 'train':
            self._mark = self.clock()

    def _before_iter(self, runner, batch_idx: int, data_batch=None, mode: str = 'train') -> None:
        if mode != 'train':
            return super()._before_iter(runner, batch_idx, data_batch, mode)
        self._step = runner.iter + 1
        runner.message_hub.update_scalar('train/data_time', self.clock() - self._mark)

    def before_val(self, runner) -> None:
        self._val_start = self.clock()

    def after_val(self, runner) -> None:
        if self._val_start is None:
            return
        self.last_validation = self.clock() - self._val_start
        self._mark += self.last_validation  # the validation's time is not the training iteration's
        self._validated, self._val_start = self._step, None

    def _after_iter(self, runner, batch_idx: int, data_batch=None, outputs=None, mode: str = 'train') -> None:
        if mode != 'train':
            return super()._after_iter(runner, batch_idx, data_batch, outputs, mode)
        now = self.clock()
        runner.message_hub.update_scalar('train/time', now - self._mark)
        stage = getattr(runner.train_loop, 'stage', None)
        if stage != self._stage:
            self.stage_times.clear()
            self._stage = stage
        self.stage_times.append(now - self._mark)
        self._mark = now
        runner.message_hub.update_info('eta', self.eta(runner))

    def validations_left(self, done: int) -> int:
        """The validations still to come once ``done`` training iterations have run."""
        first = bisect.bisect_left(self.validation_iters, done)
        ran = first < len(self.validation_iters) and self.validation_iters[first] == done == self._validated
        return len(self.validation_iters) - first - ran

    def eta(self, runner) -> float:
        """Seconds left after the iteration just run (the ``runner.iter + 1``-th)."""
        done = runner.iter + 1
        rate = sum(self.stage_times) / len(self.stage_times)
        return (runner.max_iters - done) * rate + self.validations_left(done) * self.last_validation
