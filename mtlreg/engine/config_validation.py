"""Checks of a resolved config before anything is built: key names, types and ranges of the core keys.

Every failure is a :class:`~mtlreg.utils.errors.ConfigError` naming the key and what was expected.
"""
from __future__ import annotations

import difflib
import inspect
import math
import numbers
import os.path as osp
from typing import Any, Iterator, Mapping

from mmengine.runner import Runner

from mtlreg.registry import OPTIMIZERS
from mtlreg.utils.errors import ConfigError
from .stage_schedules import resolve_stage_schedules

#: top-level keys mtlreg reads, beside the arguments of MMEngine's Runner
MTLREG_KEYS = {
    'tasks': 'the task declarations: {name: dict(head, loss, metric, weight, label)}',
    'named_hooks': 'hooks keyed by name, appended to custom_hooks',
    'trust_checkpoint': 'unpickle checkpoints in full (they may run code)',
    'allow_partial_load': 'load checkpoints whose keys do not all match the model (fine-tuning)',
    'test_checkpoint': "which checkpoint --test evaluates: 'last' or 'best'",
    'test_after_train': 'test the trained model after training',
    'task_grouping': 'settings of tools/task_grouping.py',
    'custom_keys': 'further top-level keys of this config: {name: what it holds}',
    'runner_type': 'the runner class',
    'model_wrapper_cfg': 'the distributed model wrapper',
    'compile': 'torch.compile settings',
    'vis_backends': 'the visualiser backends (used by visualizer)',
    'custom_imports': 'modules MMEngine imports before building (plugins without an entry point)',
}


def known_top_level_keys() -> set[str]:
    """What MMEngine's Runner and mtlreg read at the top level of a config."""
    runner = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return runner | set(MTLREG_KEYS)


def did_you_mean(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``''``."""
    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ''


def declared_keys(cfg: Mapping) -> set[str]:
    """Known keys, the config's ``custom_keys`` and private helpers (names starting with ``_``)."""
    custom = cfg.get('custom_keys') or {}
    if not isinstance(custom, Mapping):
        raise ConfigError(f'must be a dict {{name: what it holds}}, got {type(custom).__name__}',
                          where='custom_keys')
    return known_top_level_keys() | set(custom)


def check_top_level_keys(cfg: Mapping) -> None:
    """Refuse unknown top-level keys (a misspelling would otherwise be ignored)."""
    allowed = declared_keys(cfg)
    for key in cfg.keys():
        if key in allowed or key.startswith('_'):
            continue
        raise ConfigError(f'unknown top-level key{did_you_mean(key, allowed)}', where=key,
                          expected='a key MMEngine or mtlreg reads',
                          hint=f"a key of your own? declare it: custom_keys = dict({key}='what it holds')")


def check_option_keys(cfg: Mapping, options: Mapping[str, Any]) -> None:
    """``--cfg-options`` may change keys the config has, or add known or declared ones."""
    allowed = declared_keys(cfg) | set(cfg.keys())
    custom = options.get('custom_keys') or {}
    for item in options:
        top = item.split('.')[0]
        if top in allowed or top.startswith('_') or top in custom:
            continue
        raise ConfigError(f'sets the unknown top-level key {top!r}{did_you_mean(top, allowed)}',
                          where=f'--cfg-options {item}', expected='a key of the config or one MMEngine or mtlreg reads')


# ------------------------------------------------------------------------ values
def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive_int(value, where: str, minimum: int = 1) -> None:
    if not _is_int(value) or value < minimum:
        raise ConfigError(f'is {value!r}', where=where, expected=f'an integer >= {minimum}')


def _positive_number(value, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ConfigError(f'is {value!r} ({type(value).__name__})', where=where, expected='a number > 0')


def _finite_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


#: settings that must be numbers > 0 wherever they appear in a model or hook config
POSITIVE_SETTINGS = ('width_multiplier', 'temperature', 'decay', 'channels', 'out_channels', 'num_classes')


def _check_settings(node, where: str) -> None:
    """Named settings anywhere in a model or hook config: POSITIVE_SETTINGS > 0, ``*_weight`` >= 0."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f'{where}.{key}'
            if key in POSITIVE_SETTINGS and value is not None and not isinstance(value, (Mapping, list, tuple)):
                if not _finite_number(value) or value <= 0:
                    raise ConfigError(f'is {value!r}', where=here, expected='a finite number > 0')
            elif isinstance(key, str) and key.endswith('_weight') and value is not None and not isinstance(
                    value, (Mapping, list, tuple, str)):
                if not _finite_number(value) or value < 0:
                    raise ConfigError(f'is {value!r}', where=here, expected='a finite number >= 0')
            else:
                _check_settings(value, here)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            _check_settings(value, f'{where}[{i}]')


def _bool(cfg: Mapping, key: str) -> None:
    if key in cfg and cfg[key] is not None and not isinstance(cfg[key], bool):
        raise ConfigError(f'is {cfg[key]!r}', where=key, expected='True or False')


def dataloader_configs(cfg: Mapping) -> Iterator[tuple[str, Mapping]]:
    """``(key, dataloader config)`` of every dataloader the config declares."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(key), Mapping):
            yield key, cfg[key]
    extra = (cfg.get('train_cfg') or {}).get('dataloaders') or {}
    if isinstance(extra, Mapping):
        for name, loader in extra.items():
            if isinstance(loader, Mapping):
                yield f'train_cfg.dataloaders.{name}', loader


_SIZE_KEYS = ('resolution', 'image_size', 'crop_size', 'img_size')


def _check_sizes(node, where: str) -> None:
    """Image sizes inside a dataset config are positive integers (or pairs of them)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _SIZE_KEYS and value is not None:
                values = list(value) if isinstance(value, (list, tuple)) else [value]
                if not values or not all(_is_int(v) and v >= 1 for v in values):
                    raise ConfigError(f'is {value!r}', where=f'{where}.{key}',
                                      expected='a positive integer (or a pair of them)')
            else:
                _check_sizes(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            _check_sizes(value, f'{where}[{i}]')


def _optimizer_configs(wrapper: Mapping, where: str) -> Iterator[tuple[str, Mapping]]:
    if isinstance(wrapper.get('optimizer'), Mapping):
        yield f'{where}.optimizer', wrapper['optimizer']
    elif 'constructor' in wrapper:  # named wrappers, one per parameter group
        for name, entry in wrapper.items():
            if isinstance(entry, Mapping) and isinstance(entry.get('optimizer'), Mapping):
                yield f'{where}.{name}.optimizer', entry['optimizer']


def check_values(cfg: Mapping) -> None:
    """Types and ranges of the core keys."""
    train_cfg = cfg.get('train_cfg')
    stages = None
    if isinstance(train_cfg, Mapping) and 'stages' in train_cfg:
        from .staged_train_loop import parse_stages
        stages = parse_stages(train_cfg['stages'])
    elif isinstance(train_cfg, Mapping):
        for key in ('max_iters', 'max_epochs'):
            if key in train_cfg:
                _positive_int(train_cfg[key], f'train_cfg.{key}')
        if train_cfg.get('val_interval') is not None:
            _positive_int(train_cfg['val_interval'], 'train_cfg.val_interval')
    if cfg.get('param_scheduler') is not None:
        resolve_stage_schedules(cfg['param_scheduler'], stages)
    for key, loader in dataloader_configs(cfg):
        if 'batch_size' in loader:
            _positive_int(loader['batch_size'], f'{key}.batch_size')
        if 'num_workers' in loader:
            _positive_int(loader['num_workers'], f'{key}.num_workers', minimum=0)
        _check_sizes(loader.get('dataset'), f'{key}.dataset')
    wrapper = cfg.get('optim_wrapper')
    if isinstance(wrapper, Mapping):
        for where, optimizer in _optimizer_configs(wrapper, 'optim_wrapper'):
            if 'lr' in optimizer:
                _positive_number(optimizer['lr'], f'{where}.lr')
            kind = optimizer.get('type')
            if isinstance(kind, str) and OPTIMIZERS.get(kind) is None:
                raise ConfigError(f'{kind!r} is not an optimiser{did_you_mean(kind, set(OPTIMIZERS.module_dict) | set(OPTIMIZERS.parent.module_dict))}',
                                  where=f'{where}.type', expected='a torch.optim class, e.g. SGD, Adam, AdamW')
    for key in ('model', 'tasks', 'named_hooks', 'custom_hooks'):
        _check_settings(cfg.get(key), key)
    seed = (cfg.get('randomness') or {}).get('seed') if isinstance(cfg.get('randomness'), Mapping) else None
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ConfigError(f'is {seed!r}', where='randomness.seed', expected='an integer >= 0, or None')
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if isinstance(checkpoint, Mapping):
        for key, minimum in (('interval', -1), ('max_keep_ckpts', -1)):
            if key in checkpoint and not (_is_int(checkpoint[key]) and checkpoint[key] >= minimum):
                raise ConfigError(f'is {checkpoint[key]!r}', where=f'default_hooks.checkpoint.{key}',
                                  expected='an integer (-1: every / keep all)')
    work_dir = cfg.get('work_dir')
    if isinstance(work_dir, str) and osp.exists(work_dir) and not osp.isdir(work_dir):
        raise ConfigError('is a file', where=f'work_dir {work_dir!r}', expected='a directory (or a path to create)')
    for key in ('trust_checkpoint', 'allow_partial_load', 'test_after_train'):
        _bool(cfg, key)
    which = cfg.get('test_checkpoint', 'last')
    if which not in ('last', 'best'):
        raise ConfigError(f'is {which!r}', where='test_checkpoint', expected="'last' or 'best'")
    if which == 'best' and not ((cfg.get('default_hooks') or {}).get('checkpoint') or {}).get('save_best'):
        raise ConfigError("is 'best', but no best checkpoint is kept", where='test_checkpoint',
                          expected="default_hooks.checkpoint.save_best set (e.g. 'mean/accuracy')")
    load_from = cfg.get('load_from')
    if load_from is not None and (not isinstance(load_from, str) or not osp.isfile(load_from)):
        raise ConfigError(f'{load_from!r} is not a file', where='load_from', expected='the path of a checkpoint')
    tasks = cfg.get('tasks')
    if isinstance(tasks, Mapping):
        for name, spec in tasks.items():
            if isinstance(spec, Mapping) and 'weight' in spec:
                weight = spec['weight']
                if not _finite_number(weight) or weight < 0:
                    raise ConfigError(f'is {weight!r}', where=f'tasks.{name}.weight', expected='a finite number >= 0')
            if isinstance(spec, Mapping) and 'label' in spec and not isinstance(spec['label'], str):
                raise ConfigError(f'is {spec["label"]!r}', where=f'tasks.{name}.label',
                                  expected='the name of the label key in a batch')


#: what a training config cannot do without
TRAINING_KEYS = ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper')


def check_required(cfg: Mapping, keys=TRAINING_KEYS) -> None:
    """The keys a run needs are there."""
    missing = [k for k in keys if cfg.get(k) is None]
    if missing:
        raise ConfigError(f'has no {", ".join(missing)}', where='config',
                          expected=f'a config with {", ".join(keys)} (inherit one, e.g. _base_ = '
                                   "['../baselines/shared_bottom_resnet18_scenes-5task.py'])")


def validate_config(cfg: Mapping) -> None:
    """Every check of this module; raises :class:`ConfigError` at the first failure."""
    check_top_level_keys(cfg)
    check_values(cfg)
