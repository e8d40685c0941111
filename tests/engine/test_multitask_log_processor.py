"""Log lines name the stage and the live optimiser, drop stale values; the console skips start-up dumps."""
import logging
import re

import pytest

from mtlreg.engine.quiet_console import QuietConsoleFilter
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


def test_the_console_leaves_out_the_start_up_dumps():
    quiet = QuietConsoleFilter()
    record = lambda msg: logging.LogRecord('mmengine', logging.INFO, '', 0, msg, None, None)  # noqa: E731
    assert not quiet.filter(record('Config:\nmodel = dict()'))
    assert not quiet.filter(record('Hooks will be executed in the following order:\nbefore_run:'))
    assert not quiet.filter(record('\n' + '-' * 60 + '\nSystem environment:\n    sys.platform: linux'))
    assert quiet.filter(record('Iter(train) [1/8]  warmup  loss: 1.0'))
