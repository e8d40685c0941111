"""The Runner of mtlreg: task declarations, crash-safe checkpoints, safe loading, exact resume."""
from __future__ import annotations

import copy
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop, Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mtlreg.engine.dist import default_model_wrapper_cfg
from mtlreg.engine.quiet_console import QuietConsoleFilter
from mtlreg.engine.stage_schedules import resolve_stage_schedules
from mtlreg.engine.nonfinite import model_nonfinite_tensors, nonfinite_tensors
from mtlreg.registry import RUNNERS
from mtlreg.utils.atomic_io import atomic_path
from mtlreg.utils.crash_points import crash_point
from mtlreg.utils.errors import ConfigError, DivergenceError
from .checkpoint_codec import encode
from .checkpoint_loading import UnreadableCheckpointError, check_matches, load_checkpoint_file, state_dict_of
from .random_state import get_random_state
from .resume_candidates import resume_candidates, stale_partial_files

_EVALUATOR_KEYS = ('val_evaluator', 'test_evaluator')
#: hooks every run gets unless its config sets ``default_hooks.<name> = None``
DEFAULT_HOOKS = {'divergence': 'DivergenceGuardHook', 'task_data_check': 'TaskDataCheckHook',
                  'test_metrics': 'TestMetricsVisualizerHook'}


def resolve_task_config(cfg: Config) -> Config:
    """Hand the config's top-level ``tasks`` to the model and the evaluators.

    Tasks are declared once (``tasks = dict(seg=dict(head=..., loss=...,
    metric=..., weight=...))``); the model reads heads, losses and weights, the
    evaluators read the metrics.
    """
    cfg = copy.deepcopy(cfg)
    tasks = cfg.get('tasks')
    if tasks is None:
        if 'model' in cfg and 'tasks' not in cfg.model and cfg.model.get('type') == 'MultiTaskModel':
            raise ConfigError('missing', where='tasks', expected='the task declarations: '
                              'tasks = dict(<name>=dict(head=..., loss=..., metric=..., weight=...))')
        return cfg
    if 'model' in cfg and isinstance(cfg.model, dict):
        cfg.model.setdefault('tasks', tasks)
    for key in _EVALUATOR_KEYS:
        evaluator = cfg.get(key)
        if isinstance(evaluator, dict) and evaluator.get('type') == 'MultiTaskEvaluator':
            evaluator.setdefault('tasks', tasks)
            # MMEngine treats an evaluator dict without "metrics" as one metric's config
            evaluator.setdefault('metrics', [])
    return cfg


class _CachedTextConfig(Config):
    """A ``Config`` whose ``pretty_text`` is formatted once.

    MMEngine stores ``cfg.pretty_text`` in every checkpoint and formats it with
    yapf each time (seconds for a large config); a run's config does not
    change, so the text is kept after the first call.
    """

    @property
    def pretty_text(self) -> str:
        try:
            return object.__getattribute__(self, '_pretty_text_cache')
        except AttributeError:
            text = Config.pretty_text.fget(self)
            object.__setattr__(self, '_pretty_text_cache', text)
            return text


def resolve_named_hooks(cfg: Config) -> Config:
    """Append the config's ``named_hooks`` (a dict of hook configs keyed by name) to ``custom_hooks``.

    A list of hooks cannot be changed one entry at a time by an inheriting
    config; a dict can: ``named_hooks = dict(curriculum=dict(speed=3))``
    changes one value of the base's curriculum hook, ``named_hooks =
    dict(curriculum=None)`` removes it.
    """
    named = cfg.get('named_hooks')
    if not named:
        return cfg
    if not isinstance(named, dict):
        raise TypeError(f'config: named_hooks must be a dict {{name: hook config or None}}, got {type(named).__name__}')
    hooks = list(cfg.get('custom_hooks') or [])
    for name, hook in named.items():
        if hook is None:
            continue
        if not isinstance(hook, dict) or 'type' not in hook:
            raise ValueError(f'config: named_hooks.{name} must be a hook config with a "type" key (or None), '
                             f'got {hook!r}')
        hooks.append(copy.deepcopy(hook))
    cfg.custom_hooks = hooks
    cfg._cfg_dict.pop('named_hooks')
    return cfg


@RUNNERS.register_module()
class MultiTaskRunner(Runner):
    """MMEngine ``Runner`` with the guarantees mtlreg promises (docs/reliability.md).

    * ``tasks`` declared once in the config reach model and evaluators;
      ``named_hooks`` (hooks keyed by name, so inheriting configs change one) join ``custom_hooks``;
    * a checkpoint is complete on disk (written, flushed, renamed into place) before anything
      refers to it, and never holds non-finite weights (:class:`~mtlreg.engine.hooks.checkpoint_hook.SafeCheckpointHook`
      deletes old checkpoints only after that);
    * checkpoints hold tensors and plain containers only and load with
      ``torch.load(weights_only=True)``: nothing is unpickled in full unless the config sets
      ``trust_checkpoint=True`` (``--trust-checkpoint``);
    * a loaded checkpoint must match the model (``allow_partial_load=True`` for fine-tuning);
    * ``resume=True`` without a path resumes from the newest checkpoint of the work dir that loads,
      skipping (and reporting) broken ones and removing temporary files of interrupted saves;
    * checkpoints carry every random generator's state, and the training loop restores it after
      skipping the data already seen, so a resumed run continues with the same losses;
    * a :class:`~mtlreg.engine.hooks.divergence_guard_hook.DivergenceGuardHook`, a
      :class:`~mtlreg.engine.hooks.task_data_check_hook.TaskDataCheckHook` and a
      :class:`~mtlreg.engine.hooks.test_metrics_visualizer_hook.TestMetricsVisualizerHook` run unless their ``default_hooks``
      entry (``divergence``, ``task_data_check``, ``test_metrics``) is set to None.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        object.__setattr__(self.cfg, '__class__', _CachedTextConfig)
        self.trust_checkpoint = bool(self.cfg.get('trust_checkpoint', False))
        self.allow_partial_load = bool(self.cfg.get('allow_partial_load', False))
        self._resuming = False
        #: the newest checkpoint this process wrote completely
        self.last_written_checkpoint: str | None = None
        #: generator states to restore once the train loop has skipped seen data
        self.pending_random_state = None

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        """MMEngine's logger; the console leaves out the start-up dumps (the log file keeps them).

        The environment, the whole config, the hook order and MMEngine's deprecation notices reach
        the terminal only with ``log_level='DEBUG'``.
        """
        logger = super().build_logger(log_level=log_level, log_file=log_file, **kwargs)
        if str(log_level).upper() != 'DEBUG':
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler and not any(
                        isinstance(f, QuietConsoleFilter) for f in handler.filters):
                    handler.addFilter(QuietConsoleFilter())
        return logger

    def setup_env(self, env_cfg: dict) -> None:
        """MMEngine's environment set-up, plus ``env_cfg.flush_denormal``.

        ``flush_denormal=True`` makes CPU arithmetic treat denormal floats
        (magnitudes below 1.2e-38) as zero. Weights and gradients that decay
        towards zero (weight decay, heads updated on a fraction of the steps)
        otherwise fill with denormals, each operation on which costs tens of
        times a normal one: a CPU run of the Omniglot network slowed from 0.05
        to 0.29 s per iteration within 4000 iterations.
        """
        super().setup_env(env_cfg)
        if env_cfg.get('flush_denormal', False) and not torch.set_flush_denormal(True):
            print_log(f'{type(self).__name__}: env_cfg.flush_denormal is not supported on this CPU; denormals stay',
                      logger='current', level=logging.WARNING)

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'MultiTaskRunner':
        cfg = resolve_named_hooks(resolve_task_config(cfg))
        if cfg.get('launcher', 'none') != 'none' and cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = default_model_wrapper_cfg()
        hooks = cfg.get('default_hooks')
        if hooks is None:
            cfg.default_hooks = hooks = {}
        for name, hook in DEFAULT_HOOKS.items():  # on by default; default_hooks.<name> = None turns one off
            if name not in hooks:
                hooks[name] = dict(type=hook)
            elif hooks[name] is None:
                hooks.pop(name)
            elif isinstance(hooks[name], dict):  # e.g. --cfg-options default_hooks.divergence.max_skipped_steps=3
                hooks[name].setdefault('type', hook)
        log_processor = cfg.get('log_processor')
        if log_processor is None:
            cfg.log_processor = dict(type='MultiTaskLogProcessor')
        elif isinstance(log_processor, dict) and 'type' not in log_processor:
            log_processor['type'] = 'MultiTaskLogProcessor'
        if isinstance(cfg, Config):  # the runner's copies keep the class: the text is formatted once
            object.__setattr__(cfg, '__class__', _CachedTextConfig)
        return super().from_cfg(cfg)

    def build_param_scheduler(self, scheduler):
        """MMEngine's schedulers; an entry with ``stage=`` counts ``begin``/``end`` from that stage's start.

        See :mod:`mtlreg.engine.stage_schedules`; the train loop is built before the schedulers.
        """
        stages = getattr(self._train_loop, 'stages', None) if isinstance(self._train_loop, BaseLoop) else None
        return super().build_param_scheduler(resolve_stage_schedules(scheduler, stages))

    # ------------------------------------------------------------- saving
    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs) -> None:
        """Write ``out_dir/filename`` completely (temporary file, flush, rename) or not at all.

        Refuses (:class:`DivergenceError`) to write a model holding non-finite values: the last
        finite checkpoint stays the newest.
        """
        bad = model_nonfinite_tensors(self.model.module if is_model_wrapper(self.model) else self.model)
        if bad:
            final = osp.join(out_dir, filename)
            last = self.last_written_checkpoint or self.message_hub.get_info('last_ckpt')
            kept = last if last and last != final and osp.isfile(last) else None
            raise DivergenceError(
                f'the weights hold non-finite values at iteration {self.iter + 1} ({", ".join(bad)}); '
                f'{filename} was not written', where=final,
                hint=f'the last good checkpoint is kept: {kept}' if kept else 'no checkpoint was written before')
        if not is_main_process():
            return
        meta = kwargs.pop('meta', None) or {}
        meta['random_state'] = get_random_state()
        final = osp.join(out_dir, filename)
        with atomic_path(final, crash_points='checkpoint') as partial:
            super().save_checkpoint(out_dir, osp.basename(partial), *args, meta=meta, **kwargs)
            crash_point('checkpoint_half_written', lambda: _truncate_to_half(partial))
        self.last_written_checkpoint = final

    def call_hook(self, fn_name: str, **kwargs) -> None:
        super().call_hook(fn_name, **kwargs)
        if fn_name == 'before_save_checkpoint':  # after every hook's additions: store it plainly
            checkpoint = kwargs['checkpoint']
            plain = encode(checkpoint)
            checkpoint.clear()
            checkpoint.update(plain)

    # ------------------------------------------------------------- loading
    def load_or_resume(self) -> None:
        """MMEngine's, except that ``resume`` without a path tries the work dir's checkpoints newest first."""
        if self._has_loaded or not (self._resume and self._load_from is None):
            return super().load_or_resume()
        for path in stale_partial_files(self.work_dir):
            os.remove(path)
            self.logger.warning(f'Removed {path}: a checkpoint write that never finished')
        candidates, notes = resume_candidates(self.work_dir)
        for note in notes:
            self.logger.warning(f'Resume: {note}')
        for path in candidates:
            try:
                self.resume(path)
            except UnreadableCheckpointError as err:
                self.logger.warning(f'Resume: skipping {path}: {err.what}')
                continue
            self.logger.info(f'Resumed from {path}')
            self._has_loaded = True
            return
        self.logger.warning(f'Resume: no checkpoint to resume from in {self.work_dir}; training from the start')

    def resume(self, filename: str, *args, **kwargs) -> None:
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self, filename: str, map_location='cpu', strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):  # noqa: B006 - MMEngine's signature
        checkpoint = load_checkpoint_file(filename, map_location, trusted=self.trust_checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        check_matches(model, state_dict_of(checkpoint), filename, allow_partial=self.allow_partial_load)
        bad = nonfinite_tensors(state_dict_of(checkpoint).items())
        if bad:
            raise UnreadableCheckpointError(f'holds non-finite weights ({", ".join(bad)})', where=filename,
                                            expected='a checkpoint of a run that had not diverged')
        if self._resuming:
            self.pending_random_state = checkpoint.get('meta', {}).get('random_state')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint


def _truncate_to_half(path: str) -> None:
    """What a kill in the middle of writing ``path`` leaves: its first half."""
    with open(path, 'rb+') as f:
        f.truncate(os.path.getsize(path) // 2)
