"""Train a tiny model a few steps with each balancer family, on one process or as one of two gloo processes.

Run by test_balancer_equivalence.py: once alone (the whole batch) and once under torchrun with two processes
(each its half of the batch). Batch norm runs on its running statistics, so a half batch normalises as the whole
does and the two runs must agree up to float rounding.
"""
import os
import sys

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.engine.model_wrapper import MultiTaskDistributedDataParallel
from mtlreg.models import MultiTaskModel
from mtlreg.registry import register_all_modules

BATCH, STEPS = 6, 4

#: one balancer (and policy) per way a balancer can see the batch
FAMILIES = {
    'static': dict(balancer=dict(type='StaticBalancer')),
    'uncertainty': dict(balancer=dict(type='UncertaintyBalancer')),  # learned balancer parameters
    'dwa': dict(balancer=dict(type='DWABalancer', window=1)),  # statistics of the losses
    'pcgrad': dict(balancer=dict(type='PCGradBalancer')),  # per-task gradients of the parameters
    'upgrad': dict(balancer=dict(type='UPGradBalancer')),  # the Jacobian to an aggregator
    'mgda-representation': dict(balancer=dict(type='MGDABalancer', gradients='representation')),
    'adashare-search-mgda': dict(balancer=dict(type='MGDABalancer'), policy=dict(type='AdaSharePolicy')),
    'modo-three-parts': dict(balancer=dict(type='MoDoBalancer', gamma=0.05, samples=3)),  # parts of the batch
}

#: the processes the single-process run stands for (its batch is laid out as theirs together)
WORLD = 2


def build(family: str) -> MultiTaskModel:
    torch.manual_seed(0)
    tasks = {t: dict(head=dict(type='DenseRegressionHead', channels=4, dropout=0.0), loss=dict(type='MaskedL1Loss'))
             for t in ('a', 'b')}
    spec = FAMILIES[family]
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks, policy=spec.get('policy'),
                           balancer=spec['balancer'])
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            nn.init.uniform_(module.weight, 0.5, 1.5)  # no zero-initialised branch: every block learns
            module.eval()
    return model


def batch(step: int, rank: int, world: int, parts: int = 1) -> dict:
    """Process ``rank``'s share of the step's batch (all of it for ``world=1``).

    A balancer that needs ``parts`` independent parts of the batch takes part s of every process's batch
    as the global part s; the single-process batch is ordered so that its own parts are those unions.
    """
    generator = torch.Generator().manual_seed(100 + step)
    inputs = torch.randn(BATCH, 3, 16, 16, generator=generator)
    labels = {t: torch.rand(BATCH, 1, 16, 16, generator=generator) + 0.1 for t in 'ab'}
    local = BATCH // WORLD
    if world == 1:
        per_part = local // parts
        index = torch.tensor([r * local + s * per_part + i for s in range(parts) for r in range(WORLD)
                              for i in range(per_part)])
    else:
        index = torch.arange(rank * local, (rank + 1) * local)
    return dict(inputs=inputs[index], data_samples={t: v[index] for t, v in labels.items()})


def main(out_dir: str, families: str) -> None:
    torch.set_num_threads(1)
    register_all_modules()
    distributed = 'WORLD_SIZE' in os.environ
    if distributed:
        torch.distributed.init_process_group(backend='gloo')
    rank = torch.distributed.get_rank() if distributed else 0
    world = torch.distributed.get_world_size() if distributed else 1
    for family in families.split(','):
        model = build(family)
        runner = MultiTaskDistributedDataParallel(module=model, device_ids=None, find_unused_parameters=True) \
            if distributed else model
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05))
        weights, logs = [], []
        for step in range(STEPS):
            torch.manual_seed(1000 + step)  # the policy's sampling: the same draws on every process
            log = runner.train_step(batch(step, rank, world, model.balancer.loss_samples), wrapper)
            weights.append(model.balancer.current_weights())
            logs.append({k: float(v) for k, v in log.items()})
        torch.save({'parameters': {k: v.detach().clone() for k, v in model.state_dict().items()
                                   if isinstance(v, torch.Tensor)}, 'weights': weights, 'logs': logs},
                   os.path.join(out_dir, f'{family}_world{world}_rank{rank}.pt'))


if __name__ == '__main__':
    main(*sys.argv[1:])
