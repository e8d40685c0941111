"""Training on two gloo processes end to end (runner, distributed wrapper, balancer): parameters stay identical."""
import os
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize('balancer,port', [('StaticBalancer', 29531), ('PCGradBalancer', 29532)])
def test_two_gloo_processes_keep_parameters_identical(tmp_path, balancer, port):
    """Also for a gradient-level balancer, whose per-task gradients must be averaged over processes."""
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2',
           f'--master_port={port}', os.path.join(REPO, 'tests', 'integration', 'dist_worker.py'), str(tmp_path), balancer]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=True) for r in (0, 1)]
    assert ranks[0]['wrapper'] == 'MultiTaskDistributedDataParallel'
    changed = 0
    for name, value in ranks[0]['final'].items():
        torch.testing.assert_close(value, ranks[1]['final'][name], rtol=0, atol=0, msg=name)
        changed += not torch.equal(value, ranks[0]['initial'][name])
    assert changed > 0.9 * len(ranks[0]['final'])  # training moved (almost) every parameter
