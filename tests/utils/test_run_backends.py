"""The run backends of the sweeps: options, local processes, Ray tasks; both tools on Ray match their local runs."""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mtlreg.utils.run_backends import RunBackend, add_backend_arguments, backend_arguments

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FC_CONFIG = os.path.join(REPO, 'configs', 'gumbel_matrix', 'shared_bottom_fc_synthetic-2task-rho0.py')
TINY = ['train_cfg.max_iters=4', 'train_cfg.val_interval=4', 'default_hooks.checkpoint.interval=2'] + [
    f'{split}_dataloader.dataset.datasets.{task}.num_samples=64'
    for split in ('train', 'val', 'test') for task in ('task1', 'task2')]
# the fc network on the two synthetic tasks as a task-grouping config: 4 iterations, a checkpoint every 2
GROUPING_CONFIG = f'''_base_ = [{FC_CONFIG!r}]
train_cfg = dict(max_iters=4, val_interval=4)
default_hooks = dict(checkpoint=dict(interval=2))
_small = dict(dataset=dict(datasets=dict(task1=dict(num_samples=64), task2=dict(num_samples=64))))
train_dataloader = _small
val_dataloader = _small
test_dataloader = _small
task_grouping = dict(metric='{{task}}/mse', rule='less', cost=dict(type='per_order', values={{1: 1.0, 2: 1.0}}))
'''


def _tool(name, *path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, 'tools', *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seed_sweep = _tool('seed_sweep', 'analysis', 'seed_sweep.py')
task_grouping = _tool('task_grouping', 'task_grouping.py')


def _python(code):
    return [sys.executable, '-c', code]


def _metrics(path):
    """A run's metrics file, without a candidate's wall time (which differs from run to run)."""
    with open(path) as f:
        result = json.load(f)
    if isinstance(result, dict) and 'seconds' in result:
        assert result.pop('seconds') > 0
    return result


def _start(*argv):
    """A tool run in the background, with the local backend (the reference)."""
    return subprocess.Popen([sys.executable, *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))


def _finish(process):
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out


@pytest.fixture
def launches(monkeypatch):
    """Counts the commands the backends start."""
    commands = []
    launch = RunBackend.launch

    def counting(self, command, *args, **kwargs):
        commands.append(list(command))
        return launch(self, command, *args, **kwargs)
    monkeypatch.setattr(RunBackend, 'launch', counting)
    return commands


def test_missing_ray_names_the_package_and_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'ray', None)  # `import ray` raises ImportError
    message = r"--backend ray needs the package ray, .*pip install 'mtlreg\[ray\]'"
    with pytest.raises(ImportError, match=message):
        RunBackend('ray')
    # both tools stop before they train anything
    with pytest.raises(ImportError, match=message):
        seed_sweep.main([FC_CONFIG, '--metric', 'mean/mse', '--work-dir', str(tmp_path), '--backend', 'ray'])
    with pytest.raises(ImportError, match=message):
        task_grouping.main([FC_CONFIG, '--budget', '2', '--work-dir', str(tmp_path), '--backend', 'ray'])
    assert os.listdir(tmp_path) == []


def test_options():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jobs', type=int, default=1)
    add_backend_arguments(parser)
    args = parser.parse_args(['--backend', 'ray', '--address', 'auto', '--cpus-per-run', '2', '--gpus-per-run', '0.5'])
    assert backend_arguments(args) == ['--backend', 'ray', '--address', 'auto', '--cpus-per-run', '2',
                                       '--gpus-per-run', '0.5']
    assert backend_arguments(parser.parse_args([])) == []
    local = RunBackend.from_args(parser.parse_args(['--jobs', '3']))
    assert (local.name, local.jobs, local.describe()) == ('local', 3, '3 at a time')
    with pytest.raises(ValueError, match='--address, --gpus-per-run: only with --backend ray'):
        RunBackend.from_args(parser.parse_args(['--address', 'auto', '--gpus-per-run', '1']))
    with pytest.raises(ValueError, match='--jobs: expected at least 1'):
        RunBackend('local', jobs=0)
    with pytest.raises(ValueError, match='--cpus-per-run: expected a number above 0'):
        RunBackend('ray', cpus_per_run=0)


def test_local_processes(tmp_path):
    log = str(tmp_path / 'run.log')
    probe = _python('import os, sys; print(os.environ.get("OMP_NUM_THREADS"), os.environ["X"], os.getcwd()); '
                    'sys.exit(3)')
    assert RunBackend('local', jobs=2).launch(probe, log, env={'X': 'x'}, cwd=str(tmp_path), log_mode='w') == 3
    assert open(log).read().split() == ['1', 'x', str(tmp_path)]  # one thread each when runs share the machine
    # concurrent steps all finish, results in order, the first error after them; one at a time stops at it
    done = []

    def step(i):
        def run():
            time.sleep(0.05 * (3 - i))
            done.append(i)
            if i in (0, 2):
                raise RuntimeError(f'step {i}')
            return i
        return run
    with pytest.raises(RuntimeError, match='step 0'):
        RunBackend('local', jobs=2).run_all([step(i) for i in range(4)])
    assert sorted(done) == [0, 1, 2, 3]
    assert RunBackend('local', jobs=2).run_all([step(1), step(3)]) == [1, 3]
    done.clear()
    with pytest.raises(RuntimeError, match='step 0'):
        RunBackend('local').run_all([step(i) for i in range(4)])
    assert done == [0]


@pytest.fixture(scope='module')
def ray_instance():
    """A new local Ray instance of 2 CPUs on the loopback address, without usage reports."""
    # read when ray is imported: the node's address is 127.0.0.1 (as Ray does on macOS), not the machine's IP
    settings = {'RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER': '0', 'RAY_USAGE_STATS_ENABLED': '0'}
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    ray = pytest.importorskip('ray')
    ray.init(address='local', num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 ** 2,
             log_to_driver=False)
    yield ray
    ray.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key)
        else:
            os.environ[key] = value


@pytest.mark.slow
def test_a_ray_task_runs_the_command_with_the_requested_threads(ray_instance, tmp_path, monkeypatch):
    monkeypatch.setenv('MTLREG_PROBE', 'forwarded')
    monkeypatch.chdir(tmp_path)
    backend = RunBackend('ray', cpus_per_run=2)
    assert backend.describe() == 'as Ray tasks of 2 CPU and 0 GPU each'
    probe = _python('import os, sys; print(os.environ["OMP_NUM_THREADS"], os.environ["MTLREG_PROBE"], '
                    'os.getcwd(), os.getppid()); sys.exit(int(sys.argv[1]))')
    assert backend.run_all([lambda: backend.launch(probe + ['0'], 'a.log'),
                            lambda: backend.launch(probe + ['4'], 'b.log')]) == [0, 4]
    threads, variable, cwd, parent = open(tmp_path / 'a.log').read().split()
    # the driver's working directory (relative paths resolve as locally), started by a Ray worker
    assert (threads, variable, cwd) == ('2', 'forwarded', str(tmp_path)) and int(parent) != os.getpid()


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get('PYTEST_XDIST_WORKER')),
                    reason='under pytest-xdist (make test) the cancellation has not reached the running Ray task; '
                           'run this test in a plain pytest process')
def test_cancelling_a_ray_task_kills_its_command(ray_instance, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    backend = RunBackend('ray', cpus_per_run=1)
    # cancelling (as an interruption of the sweep does) kills the command
    sleeper = _python('import os, time; print(os.getpid(), flush=True); time.sleep(120)')
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(backend.launch, sleeper, 'c.log')
        log, deadline = tmp_path / 'c.log', time.time() + 300
        while not (log.exists() and log.read_text().strip()):  # until the command has started
            assert time.time() < deadline and not running.done()
            time.sleep(0.2)
        backend.cancel()
        with pytest.raises(RuntimeError, match='the Ray task running .* failed'):
            running.result(timeout=300)  # seconds when the machine is free; minutes under a loaded suite
    pid, deadline = int(log.read_text()), time.time() + 120
    while os.path.exists(f'/proc/{pid}'):  # the worker kills and reaps it, after the driver has been told
        assert time.time() < deadline, 'the cancelled command still runs'
        time.sleep(0.2)


@pytest.mark.slow
def test_seed_sweep_on_ray_matches_the_local_run_and_skips_finished_runs(ray_instance, tmp_path, capsys, launches):
    local_dir, ray_dir = str(tmp_path / 'local'), str(tmp_path / 'ray')
    reference = _start('tools/analysis/seed_sweep.py', FC_CONFIG, '--seeds', '0', '--metric', 'mean/mse',
                       '--work-dir', local_dir, '--cfg-options', *TINY)
    finished = seed_sweep.run_dir(ray_dir, FC_CONFIG, 1)
    os.makedirs(finished)
    with open(os.path.join(finished, 'test_metrics.json'), 'w') as f:
        json.dump({'metrics': {'mean/mse': 1.0}}, f)
    stamp = os.stat(os.path.join(finished, 'test_metrics.json')).st_mtime_ns
    command = [FC_CONFIG, '--seeds', '0', '1', '--metric', 'mean/mse', '--work-dir', ray_dir, '--backend', 'ray',
               '--cfg-options', *TINY]
    seed_sweep.main(command)
    _finish(reference)
    # only seed 0 was submitted: seed 1 has its report
    assert [c[c.index('--cfg-options') + 1] for c in launches] == ['randomness.seed=0']
    assert os.stat(os.path.join(finished, 'test_metrics.json')).st_mtime_ns == stamp
    assert not os.path.exists(os.path.join(finished, 'sweep.log'))
    ours = _metrics(os.path.join(seed_sweep.run_dir(ray_dir, FC_CONFIG, 0), 'test_metrics.json'))['metrics']
    theirs = _metrics(os.path.join(seed_sweep.run_dir(local_dir, FC_CONFIG, 0), 'test_metrics.json'))['metrics']
    assert ours == theirs  # the same values, to the last bit
    summary = _metrics(os.path.join(ray_dir, 'summary.json'))[0]
    assert [r['metric'] for r in summary['runs']] == [ours['mean/mse'], 1.0]
    capsys.readouterr()
    seed_sweep.main(command)  # everything finished: nothing submitted
    assert len(launches) == 1 and '[seed_sweep]' not in capsys.readouterr().out.split('mean/mse on the test')[0]


@pytest.mark.slow
def test_task_grouping_on_ray_resumes_an_interrupted_candidate_as_the_local_run(ray_instance, tmp_path, capsys,
                                                                                  monkeypatch, launches):
    config = tmp_path / 'grouping_fc.py'
    config.write_text(GROUPING_CONFIG)
    report = tmp_path / 'selection.json'
    report.write_text(json.dumps({'selection': {'networks': [['task1', 'task2']]}}))
    local_dir, ray_dir = str(tmp_path / 'local'), str(tmp_path / 'ray')
    reference = _start('tools/task_grouping.py', str(config), '--work-dir', local_dir,
                       '--train-selection', str(report))
    command = [str(config), '--work-dir', ray_dir, '--train-selection', str(report), '--backend', 'ray']
    # interrupted: the training is killed while it writes its second checkpoint (iteration 4 of 4)
    monkeypatch.setenv('MTLREG_CRASH_AT', 'checkpoint_half_written:2')
    with pytest.raises(RuntimeError, match=r'training task1\+task2 \(full\) failed with exit code 137'):
        task_grouping.main(command)
    monkeypatch.delenv('MTLREG_CRASH_AT')
    candidate = os.path.join(ray_dir, 'full', 'task1+task2')
    assert os.path.isfile(os.path.join(candidate, 'iter_2.pth'))
    assert not os.path.exists(os.path.join(candidate, 'result.json'))
    task_grouping.main(command)  # the candidate resumes from iteration 2
    _finish(reference)
    assert '--resume' not in launches[0] and '--resume' in launches[1]
    assert 'resumed epoch: 0, iter: 2' in open(os.path.join(candidate, 'train.log')).read()
    ours = _metrics(os.path.join(candidate, 'result.json'))
    theirs = _metrics(os.path.join(local_dir, 'full', 'task1+task2', 'result.json'))
    assert ours == theirs and set(ours['val']) >= {'task1/mse', 'task2/mse'}  # as if never interrupted
    stamp = os.stat(os.path.join(candidate, 'result.json')).st_mtime_ns
    capsys.readouterr()
    task_grouping.main(command)  # finished: not submitted again
    assert len(launches) == 2 and os.stat(os.path.join(candidate, 'result.json')).st_mtime_ns == stamp
    assert 'training' not in capsys.readouterr().out
