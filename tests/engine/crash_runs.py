"""Tiny runs of 8 iterations, a checkpoint every 2: trained, resumed and compared tensor by tensor."""
import os

import torch

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tiny import tiny_cfg

MAX_ITERS, INTERVAL = 8, 2  # saves at iterations 2, 4, 6, 8


def _cfg(work_dir, max_keep, resume=False):
    cfg = tiny_cfg(work_dir, max_iters=MAX_ITERS, interval=INTERVAL)
    cfg.default_hooks.checkpoint.max_keep_ckpts = max_keep
    cfg.resume = resume
    return cfg


def _train(work_dir, max_keep, resume=False):
    torch.set_num_threads(1)
    MultiTaskRunner.from_cfg(_cfg(work_dir, max_keep, resume)).train()


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
