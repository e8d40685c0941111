"""MMEngine's checkpoint hook with a save order that a kill at any instant cannot break."""
from __future__ import annotations

import contextlib
import os
import os.path as osp
import re

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mtlreg.registry import HOOKS
from mtlreg.utils.atomic_io import atomic_write
from mtlreg.utils.crash_points import crash_point

#: the points of one save, in order, at which ``MTLREG_CRASH_AT`` can kill the process (tests)
SAVE_STEPS = ('checkpoint_half_written', 'checkpoint_written', 'checkpoint_renamed', 'last_checkpoint_written',
              'last_checkpoint_renamed', 'old_checkpoint_removed')


class _DeferredRemovals:
    """A file backend whose ``remove``/``rmtree`` wait until :meth:`flush` (everything else passes through)."""

    def __init__(self, backend):
        self._backend, self.pending = backend, []

    def remove(self, path):
        self.pending.append(path)

    def rmtree(self, path):
        self.pending.append(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def flush(self) -> None:
        for path in self.pending:
            if self._backend.isfile(path):
                self._backend.remove(path)
            elif self._backend.isdir(path):
                self._backend.rmtree(path)
            crash_point('old_checkpoint_removed')
        self.pending = []


@HOOKS.register_module(name=['CheckpointHook', 'SafeCheckpointHook'])
class SafeCheckpointHook(MMEngineCheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments), registered in mtlreg under the same name.

    MMEngine deletes the oldest checkpoint before it writes the new one and writes
    ``last_checkpoint`` in place, so a kill during a save can leave no checkpoint to resume from.
    Here, every save

    1. writes the new checkpoint completely (temporary file, flush, rename: the runner's
       ``save_checkpoint``),
    2. replaces ``last_checkpoint`` atomically,
    3. and only then deletes what ``max_keep_ckpts`` (or a better ``save_best``) retires.

    A kill between any two steps leaves the newest complete checkpoint resumable; checkpoints that
    were due for deletion and survived a kill are deleted when the resumed run starts.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.max_keep_ckpts > 0 and is_main_process() and runner.iter > 0:
            self._remove_retired(runner)

    def _remove_retired(self, runner) -> None:
        """Delete the checkpoints older than the resumed one that the rotation had already retired."""
        pattern = re.compile('^' + re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)') + '$')
        kept = set(self.keep_ckpt_ids)
        for name in sorted(os.listdir(self.out_dir)):
            match = pattern.match(name)
            if match and int(match.group(1)) not in kept and int(match.group(1)) < runner.iter:
                os.remove(osp.join(self.out_dir, name))
                runner.logger.info(f'Removed {name}: retired by max_keep_ckpts={self.max_keep_ckpts} '
                                   'before the run was interrupted')

    @contextlib.contextmanager
    def _removals_after_save(self):
        deferred = isinstance(self.file_backend, _DeferredRemovals)
        if not deferred:
            self.file_backend = _DeferredRemovals(self.file_backend)
        try:
            yield
            if not deferred:
                self.file_backend.flush()
        finally:
            if not deferred:
                self.file_backend = self.file_backend._backend

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._removals_after_save():
            super()._save_best_checkpoint(runner, metrics)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        with self._removals_after_save():
            retired = None
            if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
                if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                    retired = self.keep_ckpt_ids.popleft()
                self.keep_ckpt_ids.append(step)
                runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
            filename = self.filename_tmpl.format(step)
            previous = runner.message_hub.get_info('last_ckpt')
            path = self.file_backend.join_path(self.out_dir, filename)
            runner.message_hub.update_info('last_ckpt', path)  # stored in the checkpoint: the file itself
            try:
                runner.save_checkpoint(self.out_dir, filename, self.file_client_args,
                                       save_optimizer=self.save_optimizer,
                                       save_param_scheduler=self.save_param_scheduler, meta=meta,
                                       by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
            except BaseException:
                runner.message_hub.update_info('last_ckpt', previous)  # the newest file that exists
                raise
            self.last_ckpt = path
            if not is_main_process():
                return
            _write_last_checkpoint(runner.work_dir, self.last_ckpt)
            if retired is not None and retired != step:
                self.file_backend.remove(self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(retired)))


def _write_last_checkpoint(work_dir: str, checkpoint: str) -> None:
    """Replace ``work_dir/last_checkpoint`` (the path of the newest checkpoint) atomically."""
    with atomic_write(osp.join(work_dir, 'last_checkpoint'), crash_points='last_checkpoint') as f:
        f.write(checkpoint)
