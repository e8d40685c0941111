"""A two-node job on one machine (tools/dist_train.sh with NNODES=2) trains like one node with two processes.

The checkpoint is then tested on two processes by tools/dist_test.sh and by tools/slurm_test.sh (two
tasks of a stand-in srun, ``--launcher slurm``): both report the metrics of a one-process tools/test.py.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.engine.tiny import tiny_cfg
from tests.tools import fake_slurm

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, 'tools')
TWO_NODES_PORT, ONE_NODE_PORT, DIST_TEST_PORT, SLURM_TEST_PORT = 29561, 29562, 29563, 29564
TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')


def run_together(commands, cwd, timeout=600):
    """Run ``{name: (argv, env)}`` at the same time; on a failure stop the others. Logs go to ``cwd/<name>.log``."""
    procs, logs = {}, {}
    for name, (argv, env) in commands.items():
        logs[name] = open(cwd / f'{name}.log', 'w')
        procs[name] = subprocess.Popen(argv, cwd=cwd, env=env, stdout=logs[name], stderr=subprocess.STDOUT,
                                       start_new_session=True)
    deadline, failed = time.monotonic() + timeout, None
    try:
        while failed is None and any(p.poll() is None for p in procs.values()):
            failed = next((n for n, p in procs.items() if p.poll() not in (None, 0)), None)
            if time.monotonic() > deadline:
                failed = 'timeout'
            time.sleep(0.2)
        failed = failed or next((n for n, p in procs.items() if p.returncode != 0), None)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in logs.values():
            log.close()
    if failed:
        pytest.fail(f'{failed} failed\n' + '\n'.join(
            f'--- {name} (exit code {proc.returncode}), end of {name}.log:\n'
            + (cwd / f'{name}.log').read_text()[-2500:] for name, proc in procs.items()))


def env_for(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('SLURM_')
           and k not in ('NNODES', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'PORT', 'RDZV_ENDPOINT')}
    env.update(OMP_NUM_THREADS='1', PYTHON=sys.executable, **extra)
    return env


def listing(work_dir):
    """The files under ``work_dir``, the run's timestamp directory written as TIMESTAMP."""
    return sorted(re.sub(r'\d{8}_\d{6}', 'TIMESTAMP', os.path.relpath(os.path.join(root, f), work_dir))
                  for root, _, files in os.walk(work_dir) for f in files)


def test_two_nodes_train_like_one_and_two_process_tests_report_the_same(tmp_path):
    tiny_cfg(tmp_path / 'tiny', max_iters=2, interval=2).dump(str(tmp_path / 'tiny.py'))
    train = [os.path.join(TOOLS, 'dist_train.sh'), 'tiny.py']
    nodes = dict(NNODES='2', MASTER_ADDR='127.0.0.1', PORT=str(TWO_NODES_PORT))
    run_together({
        'node0': ([*train, '1', '--work-dir', 'node0'], env_for(NODE_RANK='0', **nodes)),
        'node1': ([*train, '1', '--work-dir', 'node1'], env_for(NODE_RANK='1', **nodes)),
        'one_node': ([*train, '2', '--work-dir', 'one_node'], env_for(NNODES='1', PORT=str(ONE_NODE_PORT))),
    }, tmp_path)

    # the two nodes agree on the run (its timestamp directory); rank 0 alone writes checkpoints and logs
    runs = [sorted(os.listdir(tmp_path / d)) for d in ('node0', 'node1')]
    stamps = [[name for name in run if TIMESTAMP.match(name)] for run in runs]
    assert len(stamps[0]) == 1 and stamps[0] == stamps[1], runs
    assert not any(name.endswith('.pth') for name in runs[1])
    assert listing(tmp_path / 'node0') == listing(tmp_path / 'one_node')
    assert 'iter_2.pth' in runs[0]

    ckpts = [torch.load(tmp_path / d / 'iter_2.pth', map_location='cpu', weights_only=False)
             for d in ('node0', 'one_node')]
    assert [c['meta']['iter'] for c in ckpts] == [2, 2]
    two, one = (c['state_dict'] for c in ckpts)
    assert two.keys() == one.keys()
    largest = max((two[k].double() - one[k].double()).abs().max().item() for k in two if two[k].numel())
    print(f'largest difference, two nodes vs one node: {largest:.3g}')
    for key in two:
        torch.testing.assert_close(two[key], one[key], rtol=0, atol=1e-6, msg=key)
    # both took two optimizer steps with the same (averaged) gradients
    states = [c['optimizer']['state'] for c in ckpts]
    assert states[0].keys() == states[1].keys() and len(states[0]) > 100
    for index, state in states[0].items():
        assert state['step'].item() == 2 and state['exp_avg'].abs().sum() > 0, index
        for name, value in state.items():
            torch.testing.assert_close(value, states[1][index][name], rtol=0, atol=1e-6, msg=f'{index}.{name}')

    checkpoint = os.path.join('node0', 'iter_2.pth')
    slurm = dict(PATH=fake_slurm.install(tmp_path / 'bin'), FAKE_SRUN_RUN='1',
                 FAKE_SRUN_RECORD=str(tmp_path / 'srun.json'), GPUS='2', GPUS_PER_NODE='2', CPUS_PER_TASK='1',
                 MASTER_PORT=str(SLURM_TEST_PORT))
    run_together({
        'dist_test': ([os.path.join(TOOLS, 'dist_test.sh'), 'tiny.py', checkpoint, '2', '--work-dir', 'dist_test'],
                      env_for(PORT=str(DIST_TEST_PORT))),
        'slurm_test': ([os.path.join(TOOLS, 'slurm_test.sh'), 'part', 'test', 'tiny.py', checkpoint,
                        '--work-dir', 'slurm_test'], env_for(**slurm)),
        'one_process': ([sys.executable, os.path.join(TOOLS, 'test.py'), 'tiny.py', checkpoint,
                         '--work-dir', 'one_process'], env_for()),
    }, tmp_path)
    reports = {d: json.loads((tmp_path / d / 'test_metrics.json').read_text())
               for d in ('one_process', 'dist_test', 'slurm_test')}
    reference = reports.pop('one_process')['metrics']
    assert len(reference) > 10
    for name, report in reports.items():
        assert report['checkpoint'] == checkpoint
        assert report['metrics'] == pytest.approx(reference, rel=1e-6, abs=1e-9), name
        worst = max(abs(report['metrics'][k] - v) / max(abs(v), 1e-12) for k, v in reference.items())
        print(f'largest relative difference of the metrics, {name} vs one process: {worst:.3g}')
    for run, launcher in (('dist_test', 'pytorch'), ('slurm_test', 'slurm')):  # both ran on two processes
        [log] = (tmp_path / run).glob('*/*.log')
        text = log.read_text()
        assert f'Distributed launcher: {launcher}\n' in text and 'GPU number: 2\n' in text, run
