"""The console leaves out MMEngine's start-up dumps; the log file keeps them."""
import logging

import pytest

from mtlreg.engine.quiet_console import QuietConsoleFilter

pytestmark = pytest.mark.slow


def test_the_console_leaves_out_the_start_up_dumps():
    quiet = QuietConsoleFilter()
    record = lambda msg: logging.LogRecord('mmengine', logging.INFO, '', 0, msg, None, None)  # noqa: E731
    assert not quiet.filter(record('Config:\nmodel = dict()'))
    assert not quiet.filter(record('Hooks will be executed in the following order:\nbefore_run:'))
    assert not quiet.filter(record('\n' + '-' * 60 + '\nSystem environment:\n    sys.platform: linux'))
    assert quiet.filter(record('Iter(train) [1/8]  warmup  loss: 1.0'))
