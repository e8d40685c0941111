"""Distributed set-up that also works without CUDA."""
from __future__ import annotations

import os

import torch
import torch.distributed as torch_dist


def init_cpu_process_group_if_needed(launcher: str) -> None:
    """Initialise a gloo process group for ``launcher='pytorch'`` on a machine without CUDA.

    MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``, which
    fails without CUDA; with the group already initialised the Runner skips it.
    """
    if launcher == 'none' or torch.cuda.is_available() or torch_dist.is_initialized():
        return
    if launcher != 'pytorch':
        raise ValueError(f'--launcher {launcher!r} needs CUDA; on CPU only "pytorch" (torchrun) is supported')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch: environment variables {missing} are not set; start with '
                           'torchrun (tools/dist_train.sh)')
    torch_dist.init_process_group(backend='gloo')


def default_model_wrapper_cfg() -> dict:
    """The wrapper config for distributed runs: DDP that keeps the model's ``train_step``."""
    return dict(type='mtlreg.MultiTaskDistributedDataParallel',
                device_ids=None if not torch.cuda.is_available() else [int(os.environ.get('LOCAL_RANK', 0))],
                broadcast_buffers=False, find_unused_parameters=True)
