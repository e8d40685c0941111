"""A console filter that keeps MMEngine's start-up dumps in the log file and off the terminal."""
from __future__ import annotations

import logging

#: the start of the records the terminal does not show at INFO level
QUIET_PREFIXES = (
    '\n' + '-' * 60 + '\nSystem environment:',   # the environment dump
    'Config:\n',                                   # the whole config
    'Hooks will be executed in the following order',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    'Distributed launcher',
)


class QuietConsoleFilter(logging.Filter):
    """Drops the records that start with :data:`QUIET_PREFIXES` (attach it to a console handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(QUIET_PREFIXES)
