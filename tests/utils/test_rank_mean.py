"""The logged scalars' mean over the processes: the same names everywhere, and names only some processes log."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mtlreg.utils.rank_mean import mean_over_ranks


def _worker(rank, init_file, out_dir):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    same = mean_over_ranks({'loss': torch.tensor(1.0 + rank), 'weight_a': torch.tensor(4.0 * rank)})
    # rank 1's batch held task b only: each name is the mean over the processes that log it
    names = {'loss': torch.tensor(2.0 + rank), 'loss_a': torch.tensor(3.0)} if rank == 0 else \
        {'loss': torch.tensor(2.0 + rank), 'loss_b': torch.tensor(5.0)}
    differ = mean_over_ranks(names)
    torch.save({'same': {k: float(v) for k, v in same.items()}, 'differ': {k: float(v) for k, v in differ.items()},
                'order': list(same)}, os.path.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow
def test_the_mean_over_two_processes(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    got = [torch.load(tmp_path / f'rank{r}.pt', weights_only=True) for r in (0, 1)]
    for r in (0, 1):
        assert got[r]['same'] == {'loss': 1.5, 'weight_a': 2.0} and got[r]['order'] == ['loss', 'weight_a']
    assert got[0]['differ'] == {'loss': 2.5, 'loss_a': 3.0}
    assert got[1]['differ'] == {'loss': 2.5, 'loss_b': 5.0}


def test_outside_a_distributed_run_the_values_come_back_as_they_are():
    values = {'loss': torch.tensor(0.25), 'weight_a': torch.tensor(2.0, dtype=torch.float64)}
    out = mean_over_ranks(values)
    assert list(out) == ['loss', 'weight_a'] and all(out[k] is values[k] for k in values)
