"""The Runner of mtlreg: task declarations, atomic checkpoints, trusted loading, exact resume."""
from __future__ import annotations

import copy
import logging
import os
import os.path as osp
import pickle

import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mtlreg.registry import RUNNERS
from mtlreg.engine.dist import default_model_wrapper_cfg
from .random_state import get_random_state

_EVALUATOR_KEYS = ('val_evaluator', 'test_evaluator')


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
            raise KeyError('config: missing key "tasks" (the task declarations: '
                           'tasks = dict(<name>=dict(head=..., loss=..., metric=..., weight=...)))')
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
    """MMEngine ``Runner`` with the guarantees mtlreg promises.

    * ``tasks`` declared once in the config reach model and evaluators;
    * ``named_hooks`` (hooks keyed by name, so inheriting configs change one)
      join ``custom_hooks``;
    * checkpoints are written to a temporary file and renamed into place, so a
      crash mid-save never corrupts the last good checkpoint;
    * checkpoints carry every random generator's state, and the training loop
      restores it after skipping the data already seen, so a resumed run
      continues with the same losses;
    * trust model for loading: resuming (``resume``) loads the run's own
      checkpoint in full; ``load_from`` and ``tools/test.py`` load tensors only
      (``torch.load(weights_only=True)``) unless the file lies inside the run's
      work dir or ``trust_checkpoint=True`` is set, since unpickling a file can
      run arbitrary code.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        object.__setattr__(self.cfg, '__class__', _CachedTextConfig)
        self.trust_checkpoint = bool(self.cfg.get('trust_checkpoint', False))
        self._resuming = False
        #: generator states to restore once the train loop has skipped seen data
        self.pending_random_state = None

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
        if isinstance(cfg, Config):  # the runner's copies keep the class: the text is formatted once
            object.__setattr__(cfg, '__class__', _CachedTextConfig)
        return super().from_cfg(cfg)

    # ------------------------------------------------------------- saving
    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs) -> None:
        if not is_main_process():
            return
        partial = f'.{filename}.partial'
        meta = kwargs.pop('meta', None) or {}
        meta['random_state'] = get_random_state()
        super().save_checkpoint(out_dir, partial, *args, meta=meta, **kwargs)
        os.replace(osp.join(out_dir, partial), osp.join(out_dir, filename))

    # ------------------------------------------------------------- loading
    def resume(self, filename: str, *args, **kwargs) -> None:
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self, filename: str, map_location='cpu', strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):  # noqa: B006 - MMEngine's signature
        checkpoint = load_checkpoint_file(filename, map_location, trusted=self._is_trusted(filename))
        if self._resuming:
            self.pending_random_state = checkpoint.get('meta', {}).get('random_state')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _is_trusted(self, filename: str) -> bool:
        if self._resuming or self.trust_checkpoint:
            return True
        return osp.realpath(filename).startswith(osp.realpath(self.work_dir) + os.sep)


def load_checkpoint_file(filename: str, map_location='cpu', trusted: bool = False) -> dict:
    """Read a checkpoint file; untrusted files may hold tensors and plain containers only."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename!r}')
    try:
        checkpoint = torch.load(filename, map_location=map_location, weights_only=not trusted)
    except pickle.UnpicklingError as err:
        raise RuntimeError(
            f'checkpoint {filename!r} holds pickled Python objects and lies outside the run\'s work dir, '
            'so only its tensors may be read (torch.load weights_only=True) and that failed. If you trust '
            'the file, set trust_checkpoint=True in the config (or pass --trust-checkpoint); or load a '
            f'plain state dict. Original error: {str(err).splitlines()[0]}') from err
    if not isinstance(checkpoint, dict):
        raise TypeError(f'checkpoint {filename!r}: expected a dict, got {type(checkpoint).__name__}')
    return checkpoint
