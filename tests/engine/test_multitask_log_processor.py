"""Log lines name the stage and the live optimiser and drop stale values."""
import re

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from .tiny import tiny_staged_cfg

pytestmark = pytest.mark.slow


def test_staged_log_lines(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_staged_cfg(tmp_path, warmup=2, search=4, retrain=2))
    runner.train()
    lines = [line for line in open(runner.logger.log_file) if 'Iter(train)' in line]
    assert len(lines) == 8
    stages = [re.search(r'Iter\(train\) \[\d+/8\]  (\w+)  ', line).group(1) for line in lines]
    assert stages == ['warmup'] * 2 + ['search'] * 4 + ['retrain'] * 2
    for line, stage in zip(lines, stages):
        lrs = re.findall(r'(\w+)\.lr: ', line)
        assert 'stage: ' not in line
        live = {'warmup': ('warmup',), 'retrain': ('retrain',)}.get(stage, ('weights', 'arch'))
        assert len(lrs) == 1 and lrs[0] in live
    search_phases = [re.findall(r'(\w+)\.lr: ', line)[0] for line in lines[2:6]]
    assert search_phases == ['weights', 'arch', 'weights', 'arch']  # phases of one iteration each
    assert all('temperature' in line for line in lines[2:6])
    assert not any('temperature' in line or 'reg_sparsity' in line for line in lines[6:])
