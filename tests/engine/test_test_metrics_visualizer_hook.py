import glob
import json

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from .tiny import tiny_cfg

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
