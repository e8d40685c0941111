"""Where the trainings of a sweep run: child processes of this machine, or Ray tasks on a cluster.

A sweep gives :meth:`RunBackend.run_all` one callable per run. Each callable prepares its run
directory, runs the training command through :meth:`RunBackend.launch` and reads what the run
wrote, so skipping finished runs and resuming interrupted ones happen before a command is started,
the same for every backend.

* ``local``: the command is a child process; ``jobs`` run at a time, each with one thread when more
  than one runs (``OMP_NUM_THREADS=1``).
* ``ray``: the command is one Ray task requesting ``cpus_per_run`` CPUs and ``gpus_per_run`` GPUs
  (``OMP_NUM_THREADS`` = the CPUs), started on a node with those resources free, in this process's
  working directory. Every node must see the repository, the Python environment and the work dirs at
  the same paths (a shared filesystem). Every pending run is submitted at once; the cluster runs as
  many as its resources allow.
"""
from __future__ import annotations

import argparse
import importlib
import os
import os.path as osp
import subprocess
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

BACKENDS = ('local', 'ray')
RAY_INSTALL = "pip install 'mtlreg[ray]'"
#: variables of this process passed on to the commands a Ray task runs (a node has its own environment)
FORWARDED_PREFIX = 'MTLREG_'

T = TypeVar('T')


def require_ray():
    """The ``ray`` module; ``ImportError`` naming the package and the install command if it is missing."""
    try:
        return importlib.import_module('ray')
    except ImportError as error:
        raise ImportError(f'--backend ray needs the package ray, which is not installed; install it with: '
                          f'{RAY_INSTALL}') from error


def run_command(command: Sequence[str], log: str, env: dict | None = None, cwd: str | None = None,
                log_mode: str = 'a') -> int:
    """Run ``command`` to its end with stdout and stderr written to ``log``; its exit code.

    ``env``: variables set on top of this process's environment (None: the environment as it is). An
    exception while it runs (a cancelled Ray task raises ``KeyboardInterrupt``) kills the command.
    """
    with open(log, log_mode) as f, subprocess.Popen(list(command), stdout=f, stderr=subprocess.STDOUT, cwd=cwd,
                                                    env=dict(os.environ, **env) if env else None) as process:
        try:
            while True:
                try:
                    return process.wait(timeout=1.0)  # Python code runs in between: an interruption gets in
                except subprocess.TimeoutExpired:
                    pass
        except BaseException:
            process.kill()
            process.wait()  # reaped: Popen does not wait for it on a KeyboardInterrupt
            raise


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """``--backend``, ``--address``, ``--cpus-per-run`` and ``--gpus-per-run``."""
    parser.add_argument('--backend', choices=BACKENDS, default='local',
                        help='where the trainings run: local processes (--jobs at a time) or one Ray task each '
                             f'(needs {RAY_INSTALL})')
    parser.add_argument('--address', metavar='ADDR',
                        help="Ray cluster to join, e.g. 'auto' (the running one) or HOST:PORT (default: as "
                             'ray.init: RAY_ADDRESS, else a new local Ray instance)')
    parser.add_argument('--cpus-per-run', type=float, metavar='N',
                        help='CPUs each Ray task requests, also its OMP_NUM_THREADS (default: 1)')
    parser.add_argument('--gpus-per-run', type=float, metavar='N', help='GPUs each Ray task requests (default: 0)')


def backend_arguments(args: argparse.Namespace) -> list[str]:
    """The options of :func:`add_backend_arguments` that ``args`` set, as command-line arguments."""
    if getattr(args, 'backend', 'local') == 'local':
        return []
    parts = ['--backend', args.backend]
    for option, value in (('--address', args.address), ('--cpus-per-run', args.cpus_per_run),
                          ('--gpus-per-run', args.gpus_per_run)):
        if value is not None:
            parts += [option, f'{value:g}' if isinstance(value, float) else str(value)]
    return parts


class RunBackend:
    """Runs the training commands of a sweep: local processes or Ray tasks (see the module).

    Args:
        name: ``'local'`` or ``'ray'``.
        jobs: local runs at a time (not used by Ray).
        address: the Ray cluster to join, as ``ray.init(address=...)``; None: what ``ray.init()`` does.
        cpus_per_run: CPUs each Ray task requests (> 0); the run's ``OMP_NUM_THREADS``, at least 1.
        gpus_per_run: GPUs each Ray task requests (>= 0).

    Raises:
        ValueError: for a value out of range, or Ray options with the local backend.
        ImportError: for ``'ray'`` without the ray package.
    """

    def __init__(self, name: str = 'local', jobs: int = 1, address: str | None = None,
                 cpus_per_run: float | None = None, gpus_per_run: float | None = None) -> None:
        if name not in BACKENDS:
            raise ValueError(f'--backend: expected one of {list(BACKENDS)}, got {name!r}')
        if jobs < 1:
            raise ValueError(f'--jobs: expected at least 1, got {jobs}')
        if name == 'local':
            given = [option for option, value in (('--address', address), ('--cpus-per-run', cpus_per_run),
                                                  ('--gpus-per-run', gpus_per_run)) if value is not None]
            if given:
                raise ValueError(f'{", ".join(given)}: only with --backend ray')
        cpus = 1.0 if cpus_per_run is None else float(cpus_per_run)
        gpus = 0.0 if gpus_per_run is None else float(gpus_per_run)
        if cpus <= 0:
            raise ValueError(f'--cpus-per-run: expected a number above 0, got {cpus:g}')
        if gpus < 0:
            raise ValueError(f'--gpus-per-run: expected 0 or more, got {gpus:g}')
        self.name, self.jobs, self.address = name, jobs, address
        self.cpus_per_run, self.gpus_per_run = cpus, gpus
        self._ray = require_ray() if name == 'ray' else None
        self._task = None
        self._lock = threading.Lock()
        self._running: set = set()

    @classmethod
    def from_args(cls, args: argparse.Namespace, jobs: int | None = None) -> 'RunBackend':
        """The backend of a tool's arguments (:func:`add_backend_arguments`, and ``--jobs``)."""
        return cls(getattr(args, 'backend', 'local'), args.jobs if jobs is None else jobs,
                   getattr(args, 'address', None), getattr(args, 'cpus_per_run', None),
                   getattr(args, 'gpus_per_run', None))

    def describe(self) -> str:
        """How the runs are started, for a progress line."""
        if self.name == 'local':
            return f'{self.jobs} at a time'
        return f'as Ray tasks of {self.cpus_per_run:g} CPU and {self.gpus_per_run:g} GPU each'

    def thread_env(self) -> dict | None:
        """The thread settings of one run; None: those of this process (one local run at a time)."""
        if self.name == 'ray':
            threads = str(max(1, int(self.cpus_per_run)))
        elif self.jobs > 1:
            threads = '1'
        else:
            return None
        return {'OMP_NUM_THREADS': threads, 'MKL_NUM_THREADS': threads}

    def launch(self, command: Sequence[str], log: str, env: dict | None = None, cwd: str | None = None,
               log_mode: str = 'a') -> int:
        """Run one command to its end (output to ``log``, opened with ``log_mode``); its exit code.

        ``env``: variables set for the command on top of the thread settings and of the environment of
        the process that starts it (this one, or the Ray worker). ``cwd``: its working directory (default:
        this process's).
        """
        variables = {**(self.thread_env() or {}), **(env or {})}
        if self.name == 'local':
            return run_command(command, log, variables or None, cwd, log_mode)
        ray = self._ray
        variables = {**{k: v for k, v in os.environ.items() if k.startswith(FORWARDED_PREFIX)}, **variables}
        ref = self._remote().remote(list(command), osp.abspath(log), variables, osp.abspath(cwd or os.getcwd()),
                                    log_mode)
        with self._lock:
            self._running.add(ref)
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as error:
            raise RuntimeError(f'the Ray task running {" ".join(command)} failed: {error}') from error
        finally:
            with self._lock:
                self._running.discard(ref)

    def run_all(self, steps: Sequence[Callable[[], T]]) -> list[T]:
        """Call every step and return their results in order.

        One local run at a time: in turn, stopping at the first error. Otherwise concurrently (``jobs``
        threads locally, one per step with Ray): every started step finishes, then the first error in
        the order of ``steps`` is raised. An interruption cancels the steps not started and the Ray
        tasks in flight.
        """
        steps = list(steps)
        if self.name == 'local' and self.jobs == 1:
            return [step() for step in steps]
        if not steps:
            return []
        if self.name == 'ray':
            self._remote()  # join or start the cluster once, before the threads submit
        workers = self.jobs if self.name == 'local' else len(steps)
        pool = ThreadPoolExecutor(max_workers=min(workers, len(steps)))
        try:
            futures = [pool.submit(step) for step in steps]
            for future in futures:
                future.exception()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self.cancel()
            raise
        pool.shutdown()
        return [future.result() for future in futures]

    def cancel(self) -> None:
        """Cancel the Ray tasks in flight (their commands are killed)."""
        if self._ray is None:
            return
        with self._lock:
            running = list(self._running)
        for ref in running:
            self._ray.cancel(ref)

    def _remote(self):
        """The Ray remote function that runs one command, after joining or starting the cluster."""
        with self._lock:
            if self._task is None:
                ray = self._ray
                if not ray.is_initialized():
                    ray.init(address=self.address)
                # no retries: a retried command would start over; running the sweep again resumes it
                self._task = ray.remote(num_cpus=self.cpus_per_run, num_gpus=self.gpus_per_run,
                                        max_retries=0)(run_command)
            return self._task
