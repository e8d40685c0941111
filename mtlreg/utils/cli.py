"""How the tools end on an error: a few lines saying what and where, the traceback only on request."""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Callable

from .errors import MtlregError
from .setup_env import set_runtime_env

DEBUG_ENV = 'MTLREG_DEBUG'


def debugging(argv: list[str] | None = None) -> bool:
    """Whether the user asked for tracebacks (``--debug`` or ``MTLREG_DEBUG=1``)."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')


def error_lines(err: BaseException) -> list[str]:
    """The lines printed for ``err``: an mtlreg error's own, else its type, message and origin."""
    if isinstance(err, MtlregError):
        return err.lines()
    message = str(err).strip() or '(no message)'
    lines = [f'error: {type(err).__name__}: {message}']
    frames = traceback.extract_tb(err.__traceback__)
    if frames:
        lines.append(f'  raised at {frames[-1].filename}:{frames[-1].lineno} ({frames[-1].name})')
    return lines


def run_tool(main: Callable[[], object]) -> None:
    """Run a tool's ``main``; on an error print :func:`error_lines` and exit non-zero.

    The process environment is set first (:func:`~mtlreg.utils.setup_env.set_runtime_env`): a tool
    imports its heavy modules (torch, MMEngine) inside ``main``, after it has parsed its arguments,
    and sets nothing before its own imports.

    Exit codes: 0 done, 1 any other error, 2 an mtlreg error (bad input, divergence), 130
    interrupted. ``--debug`` or ``MTLREG_DEBUG=1`` re-raises with the full traceback.
    """
    set_runtime_env()
    try:
        main()
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as err:  # noqa: B902 - every error ends as a message
        if debugging():
            raise
        for line in error_lines(err):
            print(line, file=sys.stderr)
        if not isinstance(err, MtlregError):
            print(f'  run again with --debug (or {DEBUG_ENV}=1) for the traceback', file=sys.stderr)
        sys.exit(2 if isinstance(err, MtlregError) else 1)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected an integer >= 1, got {text!r}')
    return value


def directory_path(text: str) -> str:
    """An argparse type: a directory, existing or to be created (not a file)."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f'{text!r} is a file; expected a directory (existing or to create)')
    return text


_PAIRS = {'[': ']', '(': ')', '{': '}'}


def _balanced(text: str) -> bool:
    stack = []
    for char in text:
        if char in _PAIRS:
            stack.append(_PAIRS[char])
        elif char in _PAIRS.values():
            if not stack or stack.pop() != char:
                return False
    return not stack


class ConfigOptionsAction(argparse.Action):
    """``--cfg-options key=value ...`` parsed as MMEngine's ``DictAction``, a malformed item named.

    MMEngine is imported only when the option is used, so ``--help`` stays fast.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values:
            key, sep, value = item.partition('=')
            if not sep or not key or any(not part for part in key.split('.')):
                raise argparse.ArgumentError(self, f'{item!r}: expected KEY=VALUE with a dotted key '
                                                   '(e.g. train_cfg.max_iters=100)')
            if not _balanced(value):
                raise argparse.ArgumentError(self, f'{item!r}: the brackets of the value do not balance '
                                                   '(e.g. model.backbone.strides=[1,2,2])')
        from mmengine.config import DictAction
        DictAction(self.option_strings, self.dest, nargs=self.nargs)(parser, namespace, values, option_string)


def add_run_arguments(parser: argparse.ArgumentParser, loads: str) -> None:
    """The options every tool that builds a runner from a config shares.

    ``loads`` says what the run loads, for the help of ``--trust-checkpoint`` and
    ``--allow-partial-load`` (e.g. ``'the checkpoint'``).
    """
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override config keys, e.g. tasks.seg.weight=2 train_cfg.max_iters=100')
    parser.add_argument('--data-root', action='append', metavar='PREFIX=PATH',
                        help='read every dataset whose data_root starts with PREFIX from PATH instead '
                             '(e.g. data/mnist=/datasets/mnist); repeatable')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help=f'unpickle {loads} in full (only for files you trust: unpickling can run code); '
                             "mtlreg's own checkpoints never need it")
    parser.add_argument('--allow-partial-load', action='store_true',
                        help=f'{loads}: accept a checkpoint whose keys do not all match the model')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                        help='job launcher: none (one process), pytorch (torchrun: tools/dist_*.sh), '
                             'slurm (srun: tools/slurm_*.sh)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--debug', action='store_true', help='show the full traceback of an error')


def parse_run_arguments(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for a distributed launcher that passes ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
