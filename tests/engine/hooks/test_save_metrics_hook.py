"""The latest validation's metrics land in the work dir as JSON."""
import json
import math
import os.path as osp
from types import SimpleNamespace

import pytest

from mtlreg.engine.hooks import SaveMetricsHook
from mtlreg.testing import RunnerTestCase


def test_writes_the_latest_validation(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path), iter=10)
    hook = SaveMetricsHook()
    hook.after_val_epoch(runner, {'seg/mIoU': 40.0, 'delta/mean': math.nan, 'note': 'text'})
    runner.iter = 20
    hook.after_val_epoch(runner, {'seg/mIoU': 41.5})
    record = json.loads((tmp_path / 'val_metrics.json').read_text())
    assert record == {'iteration': 20, 'metrics': {'seg/mIoU': 41.5}}
    assert not (tmp_path / 'val_metrics.json.partial').exists()
    hook.after_val_epoch(SimpleNamespace(work_dir=str(tmp_path), iter=30), {'a': math.inf})
    assert json.loads((tmp_path / 'val_metrics.json').read_text())['metrics'] == {'a': None}


def test_filename_without_directory():
    with pytest.raises(ValueError, match='without a directory'):
        SaveMetricsHook(filename='sub/val.json')


class TestSaveMetricsHookInATraining(RunnerTestCase):
    def test_the_file_holds_the_last_validation_of_the_run(self):
        runner = self.train(self.plain_cfg(custom_hooks=[dict(type='SaveMetricsHook')]))
        record = json.loads(open(osp.join(runner.work_dir, 'val_metrics.json')).read())
        assert record['iteration'] == 4 and math.isfinite(record['metrics']['delta/mean'])
