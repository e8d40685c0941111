"""Every loading entry point refuses a malicious pickle without --trust-checkpoint and a checkpoint of
another model; every tool error is a few lines, not a traceback."""
import os
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join('configs', 'baselines', 'shared_bottom_resnet18_scenes-5task.py')
TINY = ['model.backbone.width_multiplier=0.125', 'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
        'test_dataloader.batch_size=2', 'train_dataloader.dataset.resolution=32',
        'val_dataloader.dataset.resolution=32', 'test_dataloader.dataset.resolution=32',
        'test_dataloader.dataset.indices=2']


def _run(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))


class _Payload:
    """Unpickling this creates a file: what a malicious checkpoint could do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, 'w')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('run')
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(work_dir), '--fast-dev-run', '--cfg-options', *TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work_dir / 'iter_2.pth'


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / 'executed'
    path = tmp_path / 'evil' / 'iter_5.pth'
    path.parent.mkdir()
    torch.save({'state_dict': {}, 'meta': {'iter': 5, 'payload': _Payload(marker)}}, path)
    return path, marker


def test_own_checkpoints_test_and_export_from_any_work_dir_without_a_flag(trained, tmp_path):
    proc = _run('tools/test.py', CONFIG, str(trained), '--cfg-options', *TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the report lands in the run that wrote the checkpoint, not in the config's default work dir
    assert (trained.parent / 'test_metrics.json').is_file()
    proc = _run('tools/test.py', CONFIG, str(trained), '--work-dir', str(tmp_path / 'elsewhere'),
                '--cfg-options', *TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / 'elsewhere' / 'test_metrics.json').is_file()
    proc = _run('tools/export.py', CONFIG, str(trained), '--out', str(tmp_path / 'export'), '--cfg-options', *TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]


ENTRY_POINTS = {
    'test': lambda ckpt, tmp: ['tools/test.py', CONFIG, str(ckpt), '--work-dir', str(ckpt.parent)],
    'export': lambda ckpt, tmp: ['tools/export.py', CONFIG, str(ckpt), '--out', str(tmp / 'out')],
    'benchmark': lambda ckpt, tmp: ['tools/analysis/benchmark_inference.py', CONFIG, str(ckpt), '--repeats', '1'],
    'resume_path': lambda ckpt, tmp: ['tools/train.py', CONFIG, '--work-dir', str(tmp / 'w'), '--resume', str(ckpt)],
    'resume_auto': lambda ckpt, tmp: ['tools/train.py', CONFIG, '--work-dir', str(ckpt.parent), '--resume'],
    'load_from': lambda ckpt, tmp: ['tools/train.py', CONFIG, '--work-dir', str(tmp / 'w'), '--cfg-options',
                                    f'load_from={ckpt}'],
}


@pytest.mark.parametrize('entry', sorted(ENTRY_POINTS))
def test_a_malicious_pickle_is_refused_by_every_entry_point(evil, tmp_path, entry):
    path, marker = evil
    args = ENTRY_POINTS[entry](path, tmp_path)
    options = args.index('--cfg-options') + 1 if '--cfg-options' in args else None
    args = args + ([] if options else ['--cfg-options']) + TINY
    proc = _run(*args)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert not marker.exists(), f'{entry} unpickled the payload'
    assert 'holds a pickled Python object (io.open)' in proc.stderr and '--trust-checkpoint' in proc.stderr
    assert 'Traceback' not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 4, proc.stderr


def test_the_trust_switch_does_unpickle(evil):
    path, marker = evil
    _run('tools/test.py', CONFIG, str(path), '--trust-checkpoint', '--work-dir', str(path.parent),
         '--cfg-options', *TINY)
    assert marker.exists()  # the test above could fail


@pytest.mark.parametrize('tool', ['test', 'export'])
def test_a_checkpoint_of_another_model_is_refused_listing_keys(trained, tmp_path, tool):
    other = [o.replace('0.125', '0.25') for o in TINY]
    args = ENTRY_POINTS[tool](trained, tmp_path)[:3] + (['--out', str(tmp_path / 'o')] if tool == 'export' else [])
    proc = _run(*args, '--cfg-options', *other)
    assert proc.returncode == 2
    assert "does not match the config's model" in proc.stderr and 'keys of another shape, e.g.' in proc.stderr
    assert 'backbone.' in proc.stderr and 'Traceback' not in proc.stderr


def test_errors_are_messages_and_debug_shows_the_traceback(tmp_path):
    proc = _run('tools/train.py', CONFIG, '--cfg-options', 'train_cfg.max_iters=0')
    assert proc.returncode == 2 and proc.stderr.splitlines()[0] == \
        'config error: train_cfg.max_iters: is 0 (expected an integer >= 1)', proc.stderr
    assert 'Traceback' not in proc.stderr
    proc = _run('tools/train.py', CONFIG, '--debug', '--cfg-options', 'train_cfg.max_iters=0')
    assert proc.returncode != 0 and 'Traceback' in proc.stderr
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--cfg-options', *TINY,
                'model.backbone.type=ResNot')
    assert proc.returncode == 1 and 'ResNot is not in the mtlreg::backbone registry' in proc.stderr
    assert 'run again with --debug' in proc.stderr and 'Traceback' not in proc.stderr


def test_a_misspelled_label_and_too_few_classes_stop_before_training(tmp_path):
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'a'), '--cfg-options', *TINY,
                'tasks.depth.label=dpeth')
    assert proc.returncode == 2 and "tasks.depth.label: reads the label 'dpeth', which no training dataset " \
                                   "provides (did you mean 'depth'?)" in proc.stderr, proc.stderr
    assert 'Iter(train)' not in proc.stdout + proc.stderr
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'b'), '--cfg-options', *TINY,
                'tasks.seg.head.out_channels=8')
    assert proc.returncode == 2 and 'tasks.seg.head: predicts 8 classes' in proc.stderr, proc.stderr
