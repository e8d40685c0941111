"""tools/dist_train.sh prints its usage, takes a config relative to the caller and trains on 2 processes."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
