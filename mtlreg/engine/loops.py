"""Training and validation loops that resume exactly. They are registered under MMEngine's names too
(``IterBasedTrainLoop``, ``ValLoop``), so a config that names MMEngine's loops gets them."""
from __future__ import annotations

import bisect
import logging

from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop, ValLoop

from mtlreg.registry import LOOPS
from mtlreg.engine.runner.random_state import get_random_state, set_random_state


@LOOPS.register_module(name=['MultiTaskIterBasedTrainLoop', 'IterBasedTrainLoop'])
class MultiTaskIterBasedTrainLoop(IterBasedTrainLoop):
    """Iteration-based training that resumes exactly.

    On resume it skips the batches already trained on and then restores the
    random generators saved in the checkpoint, so the next batch, its
    augmentation and every sampled quantity of the model are those of the
    uninterrupted run.
    """

    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            print_log(f'Advance dataloader {self._iter} steps to skip data that has already been trained',
                      logger='current', level=logging.INFO)
            for _ in range(self._iter):
                next(self.dataloader_iterator)
        state = getattr(self.runner, 'pending_random_state', None)
        if state is not None:
            set_random_state(state)
            self.runner.pending_random_state = None
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if self.validates_after(self._iter):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def validates_after(self, iteration: int) -> bool:
        """Whether a validation follows the ``iteration``-th iteration (1-based), ``dynamic_intervals`` included."""
        interval = self.dynamic_intervals[bisect.bisect(self.dynamic_milestones, iteration + 1) - 1]
        return (self.runner.val_loop is not None and iteration >= self.val_begin
                and (iteration % interval == 0 or iteration == self._max_iters))


@LOOPS.register_module(name=['MultiTaskValLoop', 'ValLoop'])
class MultiTaskValLoop(ValLoop):
    """Validation that leaves the random generators as it found them.

    Creating a dataloader iterator draws from torch's generator, and a
    policy may sample during evaluation; restoring the state afterwards keeps
    training identical with or without validation, and resumable exactly.
    """

    def run(self):
        state = get_random_state()
        try:
            return super().run()
        finally:
            set_random_state(state)
