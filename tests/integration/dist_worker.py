"""Run by torchrun from test_distributed.py: train the tiny config on 2 CPU processes (gloo) with a balancer."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import torch  # noqa: E402

from mtlreg.engine.dist import init_process_group_if_needed  # noqa: E402
from mtlreg.engine.runner import MultiTaskRunner  # noqa: E402
from mtlreg.registry import register_all_modules  # noqa: E402
from tests.engine.tiny import tiny_cfg  # noqa: E402


def main(work_dir, balancer='StaticBalancer'):
    torch.set_num_threads(1)
    register_all_modules()
    cfg = tiny_cfg(work_dir, max_iters=4, interval=4)
    cfg.model.balancer = dict(type=balancer)
    cfg.launcher = 'pytorch'
    init_process_group_if_needed(cfg.launcher)
    runner = MultiTaskRunner.from_cfg(cfg)
    initial = {k: v.detach().clone() for k, v in runner.model.module.named_parameters()}
    runner.train()
    rank = torch.distributed.get_rank()
    torch.save({'initial': initial, 'final': dict(runner.model.module.named_parameters()),
                'wrapper': type(runner.model).__name__}, os.path.join(work_dir, f'rank{rank}.pt'))


if __name__ == '__main__':
    main(*sys.argv[1:])
