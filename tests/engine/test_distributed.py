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
           f'--master_port={port}', os.path.join(REPO, 'tests', 'engine', 'dist_worker.py'), str(tmp_path), balancer]
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


def test_dist_train_sh_takes_a_config_relative_to_the_caller(tmp_path):
    script = os.path.join(REPO, 'tools', 'dist_train.sh')
    proc = subprocess.run([script, '--help'], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith('usage: tools/dist_train.sh CONFIG NUM_PROCESSES')
    proc = subprocess.run([script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and 'usage:' in proc.stdout
    config = os.path.relpath(os.path.join(REPO, 'configs', 'baselines', 'shared_bottom_resnet18_scenes-5task.py'),
                             tmp_path)
    tiny = ['model.backbone.width_multiplier=0.125', 'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
            'test_dataloader.batch_size=2', 'train_dataloader.dataset.resolution=32',
            'val_dataloader.dataset.resolution=32', 'test_dataloader.dataset.resolution=32']
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, PORT='29533')
    proc = subprocess.run([script, config, '2', '--work-dir', 'run', '--fast-dev-run', '--cfg-options', *tiny],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / 'run' / 'iter_2.pth').is_file()
