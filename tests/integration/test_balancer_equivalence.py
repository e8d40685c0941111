"""Two gloo processes, each with half the batch, train exactly as one process with the whole batch, per balancer family.

Agreement between the ranks alone would not show that the gradients are right: every family must also match the
single-process run on the combined batch (per-task gradients, Gramians and loss statistics taken over the global
batch, not per process).
"""
import os
import subprocess
import sys

import pytest
import torch

from tests.integration.balancer_step_worker import FAMILIES

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(REPO, 'tests', 'integration', 'balancer_step_worker.py')


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp('balancer_equivalence')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    families = ','.join(FAMILIES)
    single = subprocess.run([sys.executable, WORKER, str(out), families], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2',
                          '--master_port=29541', WORKER, str(out), families], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=600)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    return out


@pytest.mark.parametrize('family', list(FAMILIES))
def test_two_processes_with_half_batches_equal_one_process_with_the_whole(runs, family):
    single = torch.load(runs / f'{family}_world1_rank0.pt', weights_only=True)
    ranks = [torch.load(runs / f'{family}_world2_rank{r}.pt', weights_only=True) for r in (0, 1)]
    moved = 0
    initial = None
    for name, value in single['parameters'].items():
        torch.testing.assert_close(ranks[0]['parameters'][name], ranks[1]['parameters'][name], rtol=0, atol=0,
                                   msg=f'{family}: {name} differs between the ranks')
        torch.testing.assert_close(ranks[0]['parameters'][name], value, rtol=1e-4, atol=1e-5,
                                   msg=f'{family}: {name} differs from the single-process run')
        moved += name.endswith('weight') and value.dtype.is_floating_point
    assert moved > 0 and initial is None
    for w1, w2 in zip(single['weights'], ranks[0]['weights']):
        assert w2 == pytest.approx(w1, rel=1e-4, abs=1e-6), f'{family}: balancer weights differ'
    # the logged losses and weights are the global batch's (the mean over the processes), the same on every rank
    assert ranks[0]['logs'] == ranks[1]['logs']
    for l1, l2 in zip(single['logs'], ranks[0]['logs']):
        assert l2 == pytest.approx(l1, rel=1e-4, abs=1e-6), f'{family}: logged values differ'
