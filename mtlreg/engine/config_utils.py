"""Config edits shared by the tools: work dir, AMP, resume and the quick check run."""
from __future__ import annotations

import math
import os.path as osp

import torch
from mmengine.config import Config

from mtlreg.utils.errors import ConfigError


def set_work_dir(cfg: Config, config_path: str, work_dir: str | None) -> None:
    """Work dir priority: the command line, then the config, then ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


def run_dir_of(checkpoint: str) -> str | None:
    """The work dir of the training run that wrote ``checkpoint`` (its folder holds ``last_checkpoint``), or None."""
    folder = osp.dirname(osp.abspath(checkpoint))
    return folder if osp.isfile(osp.join(folder, 'last_checkpoint')) else None


def set_evaluation_work_dir(cfg: Config, config_path: str, work_dir: str | None, checkpoint: str) -> None:
    """Like :func:`set_work_dir`, but a checkpoint of a training run is evaluated in that run's work dir.

    So ``tools/test.py CONFIG RUN/iter_n.pth`` puts its report, log and TensorBoard scalars next to the
    run's, whatever the config's ``work_dir``; ``--work-dir`` still wins.
    """
    run_dir = run_dir_of(checkpoint)
    set_work_dir(cfg, config_path, work_dir if work_dir is not None else run_dir)


def enable_amp(cfg: Config) -> None:
    """Train under mixed precision: MMEngine's AMP on CUDA, bfloat16 autocast on the CPU.

    With named optimiser wrappers (a ``constructor`` building several), each one is switched.
    """
    wrapper = cfg.optim_wrapper
    if 'constructor' in wrapper and 'optimizer' not in wrapper:
        for name, entry in wrapper.items():
            if isinstance(entry, dict) and 'optimizer' in entry:
                _enable_amp_wrapper(entry, f'optim_wrapper.{name}')
        return
    _enable_amp_wrapper(wrapper, 'optim_wrapper')


def _enable_amp_wrapper(wrapper, where: str) -> None:
    if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper', 'AutocastOptimWrapper'):
        raise ValueError(f'--amp: {where}.type {wrapper.type!r} is not a plain OptimWrapper; '
                         'set its mixed-precision options in the config instead')
    if torch.cuda.is_available():
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')
    else:
        wrapper.type = 'AutocastOptimWrapper'


def apply_fast_dev_run(cfg: Config, iters: int = 2, separate_dir: bool = True) -> None:
    """Shrink a config to a couple of iterations (of every stage) and a checkpoint at the end.

    A staged loop (``train_cfg.stages``) keeps all its stages and phases: each
    phase runs once, each stage ``max(iters, number of phases)`` iterations and
    validates at its end when it validates at all. With ``separate_dir`` (a work dir the user did
    not name) the run writes to ``<work_dir>/fast_dev_run`` so that it never mixes with a real run's
    checkpoints.
    """
    loaders = [cfg.get(key) for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    stages = cfg.train_cfg.get('stages')
    if stages is not None:
        total = 0
        for stage in (stages.values() if isinstance(stages, dict) else stages):
            phases = stage.get('phases') or [dict()]
            for phase in phases:
                phase['iters'] = 1
            stage.iters = max(iters, len(phases))
            if stage.get('val_interval'):
                stage.val_interval = stage.iters
            total += stage.iters
        loaders += list((cfg.train_cfg.get('dataloaders') or {}).values())
        checkpoint_interval = total
    else:
        cfg.train_cfg.max_iters = iters
        cfg.train_cfg.val_interval = iters
        checkpoint_interval = iters
    for loader in loaders:
        if loader is None:
            continue
        loader.num_workers = 0
        loader.persistent_workers = False
        limit_dataset(loader.dataset, loader.batch_size * iters)
    hooks = cfg.default_hooks
    hooks.logger.interval = 1
    hooks.checkpoint.interval = checkpoint_interval
    if separate_dir:
        cfg.work_dir = osp.join(cfg.work_dir, 'fast_dev_run')


def limit_dataset(dataset: dict, num: int) -> None:
    """Keep the first ``num`` samples of a dataset config (of each member of a wrapping dataset).

    A ``HoldoutDataset`` keeps only a share of what it wraps, so the data under it keeps enough
    samples for that share to hold ``num``.
    """
    if 'datasets' in dataset:  # concatenations: a list, or a dict {task: dataset}
        members = dataset['datasets']
        members = list(members.values()) if isinstance(members, dict) else list(members)
    elif 'dataset' in dataset:  # wrappers of one dataset (repeat, holdout, ...)
        members = [dataset['dataset']]
        if dataset.get('type') == 'HoldoutDataset':
            fraction = float(dataset.get('fraction', 0.1))
            share = fraction if dataset.get('part', 'holdout') == 'holdout' else 1.0 - fraction
            num = max(num + 1, math.ceil(num / share) + 1)
    else:
        dataset.setdefault('indices', num)
        return
    for member in members:
        limit_dataset(member, num)


def remap_data_roots(cfg: Config, mapping: dict[str, str]) -> int:
    """Point every ``data_root`` (or ``root``) of the config that starts with a prefix of ``mapping`` elsewhere.

    ``{'data/mnist': '/datasets/mnist'}`` turns ``data/mnist`` into
    ``/datasets/mnist`` and ``data/mnist/extra`` into ``/datasets/mnist/extra``
    in every dataset of every dataloader (however deeply nested, e.g. the
    per-task datasets of a ``TaskConcatDataset``). Returns how many were changed.

    Raises:
        ConfigError: if a prefix matches no ``data_root`` of the config.
    """
    used = dict.fromkeys(mapping, 0)

    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ('data_root', 'root') and isinstance(value, str):
                    for prefix, target in mapping.items():
                        if value == prefix or value.startswith(prefix.rstrip('/') + '/'):
                            node[key] = target + value[len(prefix.rstrip('/')):]
                            used[prefix] += 1
                            break
                else:
                    visit(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                visit(item)

    for name in [k for k in cfg.keys() if k.endswith('dataloader') or k.endswith('dataloaders')] + ['train_cfg']:
        if name in cfg:
            visit(cfg[name])
    unused = [p for p, n in used.items() if n == 0]
    if unused:
        raise ConfigError(f'no dataset of the config reads from {unused}', where='--data-root',
                          expected='the start of a data_root (or root) of the config, e.g. data/mnist')
    return sum(used.values())


def parse_data_roots(items: list[str] | None) -> dict[str, str]:
    """``['data/mnist=/x/mnist', ...]`` as a dict, with an error naming a malformed item."""
    mapping = {}
    for item in items or []:
        prefix, sep, target = item.partition('=')
        if not sep or not prefix or not target:
            raise ConfigError(f'{item!r} is not PREFIX=PATH', where='--data-root',
                              expected='e.g. --data-root data/mnist=/datasets/mnist')
        mapping[prefix] = target
    return mapping
