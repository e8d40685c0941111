"""Config edits shared by the tools: work dir, AMP, resume and the quick check run."""
from __future__ import annotations

import os.path as osp

import torch
from mmengine.config import Config


def set_work_dir(cfg: Config, config_path: str, work_dir: str | None) -> None:
    """Work dir priority: the command line, then the config, then ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


def enable_amp(cfg: Config) -> None:
    """Train under mixed precision: MMEngine's AMP on CUDA, bfloat16 autocast on the CPU."""
    wrapper = cfg.optim_wrapper
    if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper', 'AutocastOptimWrapper'):
        raise ValueError(f'--amp: optim_wrapper.type {wrapper.type!r} is not a plain OptimWrapper; '
                         'set its mixed-precision options in the config instead')
    if torch.cuda.is_available():
        wrapper.type = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')
    else:
        wrapper.type = 'AutocastOptimWrapper'


def apply_fast_dev_run(cfg: Config, iters: int = 2) -> None:
    """Shrink a config to a couple of iterations, one validation and one checkpoint."""
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader is None:
            continue
        loader.num_workers = 0
        loader.persistent_workers = False
        limit_dataset(loader.dataset, loader.batch_size * iters)
    hooks = cfg.default_hooks
    hooks.logger.interval = 1
    hooks.checkpoint.interval = iters
    cfg.work_dir = osp.join(cfg.work_dir, 'fast_dev_run')


def limit_dataset(dataset: dict, num: int) -> None:
    """Keep the first ``num`` samples of a dataset config (of each member of a wrapping dataset)."""
    members = dataset.get('datasets', dataset.get('dataset'))
    if members is None:
        dataset.setdefault('indices', num)
    else:
        for member in (members.values() if isinstance(members, dict) else
                       members if isinstance(members, list) else [members]):
            limit_dataset(member, num)
