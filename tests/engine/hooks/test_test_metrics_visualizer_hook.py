"""Test metrics reach the visualiser: after a training, and from tools/test.py at the checkpoint's iteration."""
import glob
import json
import os
import subprocess
import sys

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tensorboard_runs import _event_contents, _tiny_tensorboard_cfg
from tests.engine.tiny import REPO, tiny_cfg

pytestmark = pytest.mark.slow


def test_test_metrics_reach_the_visualiser(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_cfg(tmp_path, max_iters=2, interval=2))
    runner.train()
    metrics = runner.test()
    lines = [json.loads(line) for path in glob.glob(str(tmp_path / '*' / 'vis_data' / 'scalars.json'))
             for line in open(path)]
    shown = {k: v for line in lines for k, v in line.items() if k.startswith('test/')}
    assert shown['test/seg/mIoU'] == pytest.approx(float(metrics['seg/mIoU']))
    assert {line['step'] for line in lines if 'test/seg/mIoU' in line} == {2}


def test_tools_test_writes_the_metrics_in_its_event_file_at_the_checkpoints_iteration(tmp_path):
    train_dir, test_dir, config = tmp_path / 'trained_for_tools_test', tmp_path / 'test', tmp_path / 'tiny.py'
    runner = MultiTaskRunner.from_cfg(_tiny_tensorboard_cfg(train_dir, max_iters=3, interval=3))
    runner.train()
    runner.cfg.dump(str(config))
    proc = subprocess.run([sys.executable, 'tools/test.py', str(config), str(train_dir / 'iter_3.pth'),
                           '--work-dir', str(test_dir)], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (events,) = glob.glob(str(test_dir / '*' / 'vis_data' / 'events.out.tfevents.*'))
    scalars = _event_contents(events)['scalars']
    report = json.loads((test_dir / 'test_metrics.json').read_text())
    assert {f'test/{k}' for k, v in report['metrics'].items() if isinstance(v, (int, float))} <= set(scalars)
    assert {step for steps in scalars.values() for step in steps} == {3}  # next to iteration 3's curves
    (local,) = glob.glob(str(test_dir / '*' / 'vis_data' / 'scalars.json'))
    (row,) = [json.loads(line) for line in open(local)]
    assert row['step'] == 3 and row['test/seg/mIoU'] == pytest.approx(report['metrics']['seg/mIoU'])
