"""The launch scripts (tools/dist_*.sh, tools/slurm_*.sh) and ``--launcher slurm``'s environment.

The scripts run with a stand-in interpreter (``PYTHON``) or ``srun`` (tests/tools/fake_slurm.py) that
records what it was given; one test forms a real two-node c10d rendezvous with torchrun.
"""
import argparse
import json
import os
import subprocess
import sys

import pytest

from mtlreg.engine import dist
from mtlreg.utils.cli import add_run_arguments
from tests.tools import fake_slurm

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, 'tools')

RECORDER = '''#!/bin/sh
printf '%s\\n' "$@" > "$RECORD"
'''


def launch_env(**extra):
    """The environment without any launch variable the caller's shell may hold, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('NNODES', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'PORT', 'RDZV_ENDPOINT', 'RDZV_ID',
                        'RDZV_BACKEND', 'GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'PYTHON')
           and not k.startswith('SLURM_')}
    env.update(OMP_NUM_THREADS='1', **extra)
    return env


@pytest.fixture
def files(tmp_path):
    """A config and a checkpoint (any files: the scripts only check that they exist) and a recording PYTHON."""
    (tmp_path / 'cfg.py').write_text('')
    (tmp_path / 'ckpt.pth').write_text('')
    recorder = tmp_path / 'python'
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    return tmp_path


def run(script, args, cwd, **env):
    return subprocess.run([os.path.join(TOOLS, script), *args], cwd=cwd, env=launch_env(**env),
                          capture_output=True, text=True, timeout=60)


def recorded(tmp_path):
    return (tmp_path / 'record').read_text().splitlines()


# ----------------------------------------------------------------- torchrun scripts
@pytest.mark.parametrize('script,positional', [('dist_train.sh', 'CONFIG NUM_PROCESSES'),
                                               ('dist_test.sh', 'CONFIG CHECKPOINT NUM_PROCESSES'),
                                               ('slurm_train.sh', 'PARTITION JOB_NAME CONFIG [WORK_DIR]'),
                                               ('slurm_test.sh', 'PARTITION JOB_NAME CONFIG CHECKPOINT')])
def test_help_and_missing_arguments(tmp_path, script, positional):
    proc = run(script, ['--help'], tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith(f'usage: tools/{script} {positional}')
    proc = run(script, [], tmp_path)
    assert proc.returncode == 2 and proc.stdout.startswith('usage:')


@pytest.mark.parametrize('script,args,env,message', [
    ('dist_train.sh', ['nope.py', '2'], {}, 'config file not found: nope.py'),
    ('dist_train.sh', ['cfg.py', 'two'], {}, "NUM_PROCESSES must be a positive integer, got 'two'"),
    ('dist_train.sh', ['cfg.py', '0'], {}, "NUM_PROCESSES must be a positive integer, got '0'"),
    ('dist_train.sh', ['cfg.py', '2'], {'NNODES': 'x'}, "NNODES must be a positive integer, got 'x'"),
    ('dist_train.sh', ['cfg.py', '2'], {'NNODES': '2', 'NODE_RANK': '2'},
     "NODE_RANK must be an integer from 0 to NNODES-1 = 1, got '2'"),
    ('dist_train.sh', ['cfg.py', '2'], {'PORT': '70000'}, "PORT must be a port number (1-65535), got '70000'"),
    ('dist_train.sh', ['cfg.py', '2'], {'RDZV_ENDPOINT': 'a b:1'},
     "RDZV_ENDPOINT must be HOST or HOST:PORT, got 'a b:1'"),
    ('dist_train.sh', ['cfg.py', '2'], {'RDZV_ENDPOINT': 'h:1', 'NNODES': '2:'},
     "NNODES must be a positive integer or MIN:MAX, got '2:'"),
    ('dist_test.sh', ['cfg.py', 'nope.pth', '2'], {}, 'checkpoint file not found: nope.pth'),
    ('dist_test.sh', ['cfg.py', 'ckpt.pth', '-1'], {}, "NUM_PROCESSES must be a positive integer, got '-1'"),
    ('slurm_train.sh', ['gpu', 'job', 'nope.py'], {}, 'config file not found: nope.py'),
    ('slurm_train.sh', ['gpu', 'job', 'cfg.py'], {'GPUS': '0'}, "GPUS must be a positive integer, got '0'"),
    ('slurm_train.sh', ['gpu', 'job', 'cfg.py'], {'GPUS_PER_NODE': 'all'},
     "GPUS_PER_NODE must be a positive integer, got 'all'"),
    ('slurm_test.sh', ['gpu', 'job', 'cfg.py', 'nope.pth'], {}, 'checkpoint file not found: nope.pth'),
    ('slurm_test.sh', ['gpu', 'job', 'cfg.py', 'ckpt.pth'], {'CPUS_PER_TASK': '1.5'},
     "CPUS_PER_TASK must be a positive integer, got '1.5'"),
])
def test_bad_input_exits_2_naming_the_argument(files, script, args, env, message):
    proc = run(script, args, files, PATH=fake_slurm.install(files / 'bin'), PYTHON=str(files / 'python'),
               RECORD=str(files / 'record'), FAKE_SRUN_RECORD=str(files / 'srun.json'), **env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f'error: {message}') and f'see tools/{script} --help' in proc.stderr
    assert not (files / 'record').exists() and not (files / 'srun.json').exists()  # nothing was started


def test_dist_train_passes_node_settings_to_torchrun(files):
    proc = run('dist_train.sh', ['cfg.py', '3', '--work-dir', 'w d'], files, PYTHON=str(files / 'python'),
               RECORD=str(files / 'record'), NNODES='2', NODE_RANK='1', MASTER_ADDR='10.0.0.1', PORT='29561')
    assert proc.returncode == 0, proc.stderr
    assert recorded(files) == ['-m', 'torch.distributed.run', '--nnodes=2', '--node-rank=1', '--master-addr=10.0.0.1',
                               '--master-port=29561', '--nproc-per-node=3', os.path.join(TOOLS, 'train.py'), 'cfg.py',
                               '--launcher', 'pytorch', '--work-dir', 'w d']


def test_dist_test_defaults_and_rendezvous(files):
    proc = run('dist_test.sh', ['cfg.py', 'ckpt.pth', '2', '--out', 'm.json'], files, PYTHON=str(files / 'python'),
               RECORD=str(files / 'record'))
    assert proc.returncode == 0, proc.stderr
    assert recorded(files)[2:] == ['--nnodes=1', '--node-rank=0', '--master-addr=127.0.0.1', '--master-port=29500',
                                   '--nproc-per-node=2', os.path.join(TOOLS, 'test.py'), 'cfg.py', 'ckpt.pth',
                                   '--launcher', 'pytorch', '--out', 'm.json']
    # a rendezvous endpoint replaces the node rank and master address; NODE_RANK is then not checked
    proc = run('dist_test.sh', ['cfg.py', 'ckpt.pth', '2'], files, PYTHON=str(files / 'python'),
               RECORD=str(files / 'record'), NNODES='1:4', NODE_RANK='9', RDZV_ENDPOINT='head.cluster:29400',
               RDZV_ID='job7')
    assert proc.returncode == 0, proc.stderr
    assert recorded(files)[2:7] == ['--nnodes=1:4', '--rdzv-backend=c10d', '--rdzv-endpoint=head.cluster:29400',
                                    '--rdzv-id=job7', '--nproc-per-node=2']


@pytest.mark.slow
def test_two_nodes_form_a_c10d_rendezvous(files):
    """Two dist_train.sh on this machine meet at a c10d endpoint; each then starts train.py (here --help)."""
    env = launch_env(PYTHON=sys.executable, NNODES='2', RDZV_ENDPOINT='127.0.0.1:29565', RDZV_ID='rdzv-test')
    nodes = [subprocess.Popen([os.path.join(TOOLS, 'dist_train.sh'), 'cfg.py', '1', '--help'], cwd=files, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    for node in nodes:
        out = node.communicate(timeout=120)[0]
        assert node.returncode == 0 and 'usage: train.py' in out, out[-3000:]


# ----------------------------------------------------------------- Slurm scripts
def test_slurm_train_builds_the_srun_command(files):
    proc = run('slurm_train.sh', ['gpu', 'mtl', 'cfg.py', 'work/x', '--amp'], files,
               PATH=fake_slurm.install(files / 'bin'), FAKE_SRUN_RECORD=str(files / 'srun.json'), GPUS='16',
               GPUS_PER_NODE='8', CPUS_PER_TASK='4', SRUN_ARGS='--time=10 --qos=low', MASTER_PORT='29999')
    assert proc.returncode == 0, proc.stderr
    record = json.loads((files / 'srun.json').read_text())
    assert record['argv'] == ['-p', 'gpu', '--job-name=mtl', '--gres=gpu:8', '--ntasks=16', '--ntasks-per-node=8',
                              '--cpus-per-task=4', '--kill-on-bad-exit=1', '--time=10', '--qos=low', 'python', '-u',
                              os.path.join(TOOLS, 'train.py'), 'cfg.py', '--work-dir', 'work/x', '--launcher', 'slurm',
                              '--amp']
    assert record['env']['MASTER_PORT'] == '29999'  # the tasks inherit the caller's environment


def test_slurm_scripts_defaults_without_work_dir(files):
    path = fake_slurm.install(files / 'bin')
    proc = run('slurm_train.sh', ['gpu', 'mtl', 'cfg.py', '--fast-dev-run'], files, PATH=path,
               FAKE_SRUN_RECORD=str(files / 'srun.json'))
    assert proc.returncode == 0, proc.stderr
    argv = json.loads((files / 'srun.json').read_text())['argv']
    assert argv[:8] == ['-p', 'gpu', '--job-name=mtl', '--gres=gpu:8', '--ntasks=8', '--ntasks-per-node=8',
                        '--cpus-per-task=5', '--kill-on-bad-exit=1']
    assert argv[8:] == ['python', '-u', os.path.join(TOOLS, 'train.py'), 'cfg.py', '--launcher', 'slurm',
                        '--fast-dev-run']
    # fewer GPUs than a node has: the request per node shrinks to them
    proc = run('slurm_test.sh', ['gpu', 'ev', 'cfg.py', 'ckpt.pth', '--out', 'm.json'], files, PATH=path,
               FAKE_SRUN_RECORD=str(files / 'srun.json'), GPUS='2', PYTHON='/opt/py')
    assert proc.returncode == 0, proc.stderr
    argv = json.loads((files / 'srun.json').read_text())['argv']
    assert argv == ['-p', 'gpu', '--job-name=ev', '--gres=gpu:2', '--ntasks=2', '--ntasks-per-node=2',
                    '--cpus-per-task=5', '--kill-on-bad-exit=1', '/opt/py', '-u', os.path.join(TOOLS, 'test.py'),
                    'cfg.py', 'ckpt.pth', '--launcher', 'slurm', '--out', 'm.json']


# ----------------------------------------------------------------- --launcher slurm
SLURM_TASK = dict(SLURM_PROCID='3', SLURM_NTASKS='8', SLURM_LOCALID='1', SLURM_NODELIST='gpu[07-08]')


def test_slurm_settings_from_the_task_environment():
    calls = []

    def hostnames(nodes):
        calls.append(nodes)
        return ['gpu07', 'gpu08']

    assert dist.slurm_settings(SLURM_TASK, hostnames) == dict(RANK='3', WORLD_SIZE='8', LOCAL_RANK='1',
                                                              MASTER_ADDR='gpu07', MASTER_PORT='29500')
    assert calls == ['gpu[07-08]']
    # an explicit MASTER_ADDR / MASTER_PORT wins, and the node list is then not needed
    task = dict(SLURM_TASK, MASTER_ADDR='10.1.1.1', MASTER_PORT='29601')
    del task['SLURM_NODELIST']
    assert dist.slurm_settings(task, hostnames) == dict(RANK='3', WORLD_SIZE='8', LOCAL_RANK='1',
                                                        MASTER_ADDR='10.1.1.1', MASTER_PORT='29601')
    assert calls == ['gpu[07-08]']


@pytest.mark.parametrize('change,message', [
    (dict(SLURM_PROCID=None, SLURM_LOCALID=None),
     "environment variables ['SLURM_PROCID', 'SLURM_LOCALID'] are not set"),
    (dict(SLURM_NODELIST=None), "environment variables ['SLURM_NODELIST'] are not set"),
    (dict(SLURM_NTASKS='two'), "SLURM_NTASKS='two' is not an integer >= 1"),
    (dict(SLURM_PROCID='8'), 'SLURM_PROCID=8 is not below SLURM_NTASKS=8'),
    (dict(MASTER_PORT='http'), "MASTER_PORT='http' is not a port number"),
])
def test_slurm_settings_name_what_is_missing_or_wrong(change, message):
    environ = {k: v for k, v in dict(SLURM_TASK, **change).items() if v is not None}
    with pytest.raises(dist.LaunchError) as err:
        dist.slurm_settings(environ, lambda nodes: ['gpu07'])
    assert err.value.message().startswith(f'--launcher slurm: {message}')
    assert isinstance(err.value, RuntimeError)


def test_slurm_settings_without_scontrol(monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    with pytest.raises(dist.LaunchError, match='cannot expand SLURM_NODELIST=.*expected scontrol on PATH'):
        dist.slurm_settings(SLURM_TASK)


def test_slurm_settings_with_scontrol(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', fake_slurm.install(tmp_path))
    assert dist.slurm_settings(SLURM_TASK)['MASTER_ADDR'] == '127.0.0.1'  # the first host scontrol names


def test_launcher_option(monkeypatch):
    parser = argparse.ArgumentParser()
    add_run_arguments(parser, loads='the checkpoint')
    assert parser.parse_args(['--launcher', 'slurm']).launcher == 'slurm'
    for key in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID', 'SLURM_NODELIST', 'MASTER_ADDR'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(dist.torch_dist, 'is_initialized', lambda: False)
    with pytest.raises(dist.LaunchError, match='are not set'):  # before any process group
        dist.init_process_group_if_needed('slurm')
