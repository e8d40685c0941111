"""Validation after iteration N is logged at step N, the step of iteration N's training scalars."""
import glob
import json
import os

import pytest
from mmengine.hooks import Hook
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tiny import tiny_cfg, tiny_staged_cfg

pytestmark = pytest.mark.slow


def _with_tensorboard(cfg):
    cfg.vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
    cfg.visualizer.vis_backends = cfg.vis_backends
    return cfg


def _steps(work_dir) -> dict:
    """Per backend, the steps of the training loss and of a validation metric, read back from its files."""
    (vis_data,) = glob.glob(os.path.join(str(work_dir), '*', 'vis_data'))
    rows = [json.loads(line) for line in open(os.path.join(vis_data, 'scalars.json'))]
    steps = {'local': ([r['step'] for r in rows if 'loss' in r], [r['step'] for r in rows if 'delta/mean' in r])}
    (events,) = glob.glob(os.path.join(vis_data, 'events.out.tfevents.*'))
    tags = {}
    for event in EventFileLoader(events).Load():
        for value in event.summary.value:
            tags.setdefault(value.tag, []).append(event.step)
    steps['tensorboard'] = (tags['loss'], tags['delta/mean'])
    return steps


class _IterDuringValidation(Hook):
    def __init__(self):
        self.iters = []

    def after_val_epoch(self, runner, metrics=None):
        self.iters.append(runner.iter)


def test_staged_validations_land_on_the_step_of_their_iteration(tmp_path):
    # the staged loop validates inside iterations 4, 6 (search, every 2) and 8 (end of re-training)
    runner = MultiTaskRunner.from_cfg(_with_tensorboard(tiny_staged_cfg(tmp_path, warmup=2, search=4, retrain=2)))
    probe = _IterDuringValidation()
    runner.register_hook(probe)
    runner.train()
    assert probe.iters == [3, 5, 7]  # runner.iter, the step MMEngine's LoggerHook would log them at
    for backend, (train, val) in _steps(tmp_path).items():
        assert train == list(range(1, 9)), backend
        assert val == [4, 6, 8], backend


def test_plain_validations_stay_on_the_step_of_their_iteration(tmp_path):
    MultiTaskRunner.from_cfg(_with_tensorboard(tiny_cfg(tmp_path, max_iters=6, interval=3))).train()
    for backend, (train, val) in _steps(tmp_path).items():
        assert train == list(range(1, 7)), backend
        assert val == [3, 6], backend
