"""Distributed set-up that also works without CUDA."""
from __future__ import annotations

import os
import re
import subprocess
from typing import Callable, Mapping

import torch
import torch.distributed as torch_dist

from mtlreg.utils.errors import MtlregError

#: the launchers ``tools/train.py`` and ``tools/test.py`` accept (``--launcher``)
LAUNCHERS = ('none', 'pytorch', 'slurm')

DEFAULT_MASTER_PORT = '29500'
DOC = 'docs/distributed.md'


class LaunchError(MtlregError, RuntimeError):
    """The environment of a distributed launcher is missing or malformed."""
    kind = 'launch error'
    default_doc = DOC


def scontrol_hostnames(node_list: str) -> list[str]:
    """The host names of a Slurm node list (``scontrol show hostnames``), e.g. ``node[1-2]`` -> node1, node2."""
    try:
        out = subprocess.run(['scontrol', 'show', 'hostnames', node_list], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as err:
        raise LaunchError(f'cannot expand SLURM_NODELIST={node_list!r} with scontrol ({err})',
                          where='--launcher slurm',
                          expected='scontrol on PATH, or MASTER_ADDR set to the address of the first node') from err
    return out.split()


def _int_env(environ: Mapping[str, str], key: str, minimum: int) -> int:
    value = environ[key]
    if not re.fullmatch(r'\d+', value.strip()) or int(value) < minimum:
        raise LaunchError(f'{key}={value!r} is not an integer >= {minimum}', where='--launcher slurm',
                          expected='the variables srun sets for each task')
    return int(value)


def slurm_settings(environ: Mapping[str, str],
                   hostnames: Callable[[str], list[str]] = scontrol_hostnames) -> dict[str, str]:
    """The torch.distributed variables of a task started by ``srun``, read from ``environ``.

    ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` come from ``SLURM_PROCID``, ``SLURM_NTASKS`` and
    ``SLURM_LOCALID``; ``MASTER_ADDR`` from the environment if set, else the first host of
    ``SLURM_NODELIST`` (``hostnames``, by default ``scontrol show hostnames``); ``MASTER_PORT`` from the
    environment, else 29500. Raises :class:`LaunchError` naming the missing or malformed variables.
    """
    required = ['SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID']
    if not environ.get('MASTER_ADDR'):
        required.append('SLURM_NODELIST')
    missing = [key for key in required if not environ.get(key)]
    if missing:
        raise LaunchError(f'environment variables {missing} are not set', where='--launcher slurm',
                          expected='a task started by srun (tools/slurm_train.sh, tools/slurm_test.sh)')
    rank = _int_env(environ, 'SLURM_PROCID', 0)
    world_size = _int_env(environ, 'SLURM_NTASKS', 1)
    local_rank = _int_env(environ, 'SLURM_LOCALID', 0)
    if rank >= world_size:
        raise LaunchError(f'SLURM_PROCID={rank} is not below SLURM_NTASKS={world_size}', where='--launcher slurm',
                          expected='0 <= SLURM_PROCID < SLURM_NTASKS')
    addr = environ.get('MASTER_ADDR')
    if not addr:
        hosts = hostnames(environ['SLURM_NODELIST'])
        if not hosts:
            raise LaunchError(f'SLURM_NODELIST={environ["SLURM_NODELIST"]!r} names no host', where='--launcher slurm',
                              expected='a node list such as node[1-2], or MASTER_ADDR set')
        addr = hosts[0]
    port = environ.get('MASTER_PORT') or DEFAULT_MASTER_PORT
    if not re.fullmatch(r'\d+', port) or not 0 < int(port) < 65536:
        raise LaunchError(f'MASTER_PORT={port!r} is not a port number', where='--launcher slurm',
                          expected='an integer from 1 to 65535')
    return dict(RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(local_rank), MASTER_ADDR=addr,
                MASTER_PORT=port)


def init_process_group_if_needed(launcher: str) -> None:
    """Initialise a gloo process group for ``launcher`` 'pytorch' or 'slurm' on a machine without CUDA.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device``, which fails without CUDA; with the
    group already initialised the Runner skips it. With CUDA (or ``launcher='none'``) nothing is done
    and MMEngine initialises the group. For 'slurm', the variables of :func:`slurm_settings` are
    exported first, also with CUDA (the model wrapper reads ``LOCAL_RANK`` before MMEngine sets it).
    """
    if launcher == 'none' or torch_dist.is_initialized():
        return
    if launcher not in LAUNCHERS:
        raise LaunchError(f'unknown launcher {launcher!r}', where='--launcher', expected=' or '.join(LAUNCHERS))
    if launcher == 'slurm':
        os.environ.update(slurm_settings(os.environ))
    if torch.cuda.is_available():
        return
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if k not in os.environ]
    if missing:
        raise LaunchError(f'environment variables {missing} are not set', where='--launcher pytorch',
                          expected='processes started by torchrun (tools/dist_train.sh, tools/dist_test.sh)')
    torch_dist.init_process_group(backend='gloo')



def default_model_wrapper_cfg() -> dict:
    """The wrapper config for distributed runs: DDP that keeps the model's ``train_step``."""
    return dict(type='mtlreg.MultiTaskDistributedDataParallel',
                device_ids=None if not torch.cuda.is_available() else [int(os.environ.get('LOCAL_RANK', 0))],
                broadcast_buffers=False, find_unused_parameters=True)


def destroy_process_group_if_initialized() -> None:
    """Tear the process group down once the work is done, before the interpreter exits.

    A gloo group left to the interpreter's exit can abort the process ("terminate called without an
    active exception", exit code −6) after training finished and its checkpoints were written, which
    torchrun reports as a failed job.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
