"""The command-line tools, run as a user runs them."""
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join('configs', 'baselines', 'shared_bottom_resnet18_scenes-5task.py')
TINY = ['model.backbone.width_multiplier=0.125', 'train_dataloader.batch_size=2',
        'val_dataloader.batch_size=2', 'test_dataloader.batch_size=2', 'train_dataloader.dataset.resolution=32',
        'val_dataloader.dataset.resolution=32', 'test_dataloader.dataset.resolution=32']


def _run(*args, env=None):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=REPO, **(env or {})))


def test_fast_dev_run_then_test_writes_metrics_json(tmp_path):
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--fast-dev-run', '--cfg-options', *TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = tmp_path
    ckpt = run_dir / 'iter_2.pth'
    assert ckpt.is_file() and (run_dir / 'last_checkpoint').is_file()
    log = proc.stdout + proc.stderr
    assert 'Iter(val)' in log and 'seg/mIoU' in log

    out = tmp_path / 'metrics.json'
    proc = _run('tools/test.py', CONFIG, str(ckpt), '--work-dir', str(run_dir), '--out', str(out),
                '--cfg-options', *TINY, 'test_dataloader.dataset.indices=4')
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    for key in ('seg/mIoU', 'depth/abs_err', 'normal/median_angle', 'edge/mae', 'keypoint/mae'):
        assert key in report['metrics']
    assert report['parameters']['total'] > 0 and 'task/seg' in report['parameters']


@pytest.mark.parametrize('options,message', [
    (['model.backbone.type=ResNot'], 'ResNot is not in the mtlreg::backbone registry'),
    (['tasks.seg.loss.type=NoLoss'], 'NoLoss is not in the mtlreg::loss registry'),
    (['tasks.seg.head=None'], 'tasks.seg'),
    (['train_dataloader.dataset.split=training'], "'training'"),
])
def test_bad_configs_stop_with_an_error_naming_the_culprit(tmp_path, options, message):
    proc = _run('tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--fast-dev-run', '--cfg-options', *TINY,
                *options)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr[-2000:]


def test_missing_config_file_is_named(tmp_path):
    proc = _run('tools/train.py', str(tmp_path / 'nope.py'))
    assert proc.returncode != 0 and 'config file not found' in proc.stderr and 'nope.py' in proc.stderr


def test_print_config_resolves_tasks_and_list_modules_lists_registries():
    proc = _run('tools/misc/print_config.py', CONFIG)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "type='MultiTaskModel'" in proc.stdout and 'SurfaceNormalMetric' in proc.stdout
    proc = _run('tools/misc/list_modules.py')
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ('backbones', 'DilatedResNet', 'policies', 'SharedBottomPolicy', 'balancers', 'StaticBalancer',
                 'losses', 'NormalCosineLoss', 'metrics', 'SegmentationMetric', 'datasets', 'ScenesDataset',
                 'transforms', 'Albumentations'):
        assert name in proc.stdout, name


def test_real_data_config_trains_on_mnist(tmp_path):
    from tests.conftest import SHARED_DATA
    root = os.path.join(SHARED_DATA, 'mnist')
    if not os.path.isdir(root):
        pytest.skip('the shared MNIST copy is not beside the repository')
    roots = [f'{k}_dataloader.dataset.data_root={root}' for k in ('train', 'val', 'test')]
    proc = _run('tools/train.py', 'configs/baselines/single_task_vgg16bn_mnist.py', '--work-dir', str(tmp_path),
                '--fast-dev-run', '--cfg-options', *roots)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'digit/accuracy' in proc.stdout + proc.stderr


def test_wrong_data_path_is_named(tmp_path):
    proc = _run('tools/train.py', 'configs/baselines/single_task_vgg16bn_mnist.py', '--work-dir', str(tmp_path),
                '--fast-dev-run', '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path}/missing')
    assert proc.returncode != 0
    assert f"data_root '{tmp_path}/missing' lacks" in proc.stderr


def test_per_task_batches_train_on_mnist_and_fashion(tmp_path):
    from tests.conftest import SHARED_DATA
    if not all(os.path.isdir(os.path.join(SHARED_DATA, n)) for n in ('mnist', 'fashion_mnist')):
        pytest.skip('the shared MNIST / Fashion-MNIST copies are not beside the repository')
    roots = [f'{split}_dataloader.dataset.datasets.{task}.data_root={os.path.join(SHARED_DATA, name)}'
             for split in ('train', 'val') for task, name in (('digit', 'mnist'), ('clothes', 'fashion_mnist'))]
    proc = _run('tools/train.py', 'configs/baselines/shared_bottom_vgg16bn_mnist-fashion.py', '--work-dir',
                str(tmp_path), '--fast-dev-run', '--cfg-options', *roots)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    # one task per batch: the first iteration logs only the first task's loss
    first = next(line for line in log.splitlines() if 'Iter(train) [1/2]' in line)
    assert 'loss_digit' in first and 'loss_clothes' not in first
    assert 'digit/accuracy' in log and 'clothes/accuracy' in log


def test_adashare_fast_dev_run_goes_through_every_stage_and_reports(tmp_path):
    config = os.path.join('configs', 'adashare', 'adashare_resnet18_scenes-5task.py')
    tiny = TINY + ['train_cfg.dataloaders.train1.batch_size=2', 'train_cfg.dataloaders.train2.batch_size=2',
                   'train_cfg.dataloaders.train1.dataset.resolution=32',
                   'train_cfg.dataloaders.train2.dataset.resolution=32']
    proc = _run('tools/train.py', config, '--work-dir', str(tmp_path), '--fast-dev-run', '--cfg-options', *tiny)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    for stage in ('warmup', 'search', 'retrain'):
        assert f': {stage} (2 iterations)' in log
    assert 'Δ_T = ' in log and 'single-task networks' in log and 'FLOPs per task' in log
    run_dir = tmp_path
    report = json.loads((run_dir / 'test_metrics.json').read_text())
    assert 'delta/mean' in report['metrics']
    assert 0 < report['parameters']['ratio_to_single_task'] <= 1
    assert set(report['flops_per_task']) == {'seg', 'depth', 'normal', 'edge', 'keypoint'}
    assert (run_dir / 'policy' / 'policy_final.json').is_file()


def test_gumbel_matrix_on_4_mnists_tests_its_best_checkpoint(tmp_path):
    from tests.conftest import SHARED_DATA
    root = os.path.join(SHARED_DATA, 'mnist')
    if not os.path.isdir(root):
        pytest.skip('the shared MNIST copy is not beside the repository')
    proc = _run('tools/train.py', 'configs/gumbel_matrix/gumbel_matrix_modular_mnist-4task.py', '--work-dir', str(tmp_path),
                '--fast-dev-run', '--data-root', f'data/mnist={root}', '--cfg-options', 'test_checkpoint=best',
                'default_hooks.checkpoint.save_best=mean/accuracy', 'default_hooks.checkpoint.rule=greater',
                'named_hooks.task_embedding.interval=1')
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    run_dir = tmp_path
    report = json.loads((run_dir / 'test_metrics.json').read_text())
    assert os.path.basename(report['checkpoint']).startswith('best_mean_accuracy_iter_')
    assert 0 <= report['metrics']['mean/accuracy'] <= 100
    embeddings = json.loads((run_dir / 'task_embeddings' / 'task_embeddings.json').read_text())
    assert embeddings['tasks'] == ['mnist_1', 'mnist_2', 'mnist_rot_1', 'mnist_rot_2']
    scalars = ''.join(p.read_text() for p in run_dir.glob('*/vis_data/scalars.json'))
    assert 'task_embedding/distinct' in scalars and 'allocation/mnist_1/layer0' in scalars


TOOLS = sorted(os.path.relpath(p, REPO) for p in __import__('glob').glob(os.path.join(REPO, 'tools', '**', '*.py'),
                                                                          recursive=True))


def test_every_tool_answers_help_without_importing_torch():
    """--help stays instant: argument parsing comes before the heavy imports (torch and what needs it)."""
    probe = ('import runpy, sys\n'
             'sys.argv = [sys.argv[1], "--help"]\n'
             'try:\n    runpy.run_path(sys.argv[0], run_name="__main__")\n'
             'except SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n'
             'print(sorted(m for m in ("torch",) if m in sys.modules))\n')
    for tool in TOOLS:
        proc = _run('-c', probe, tool)
        assert proc.returncode == 0, (tool, proc.stderr[-2000:])
        assert 'usage:' in proc.stdout and proc.stdout.strip().endswith('[]'), (tool, proc.stdout[-300:])


def test_tools_import_mtlreg_as_an_installed_package():
    """No tool puts the repository on ``sys.path`` or imports after other code (``# noqa: E402``):
    mtlreg is installed (``make install``); a tool sets the environment and imports its heavy modules in
    the function that runs (see ``mtlreg.utils.cli.run_tool``)."""
    for tool in TOOLS:
        with open(os.path.join(REPO, tool)) as f:
            text = f.read()
        assert 'sys.path.insert' not in text and 'sys.path.append' not in text, tool
        assert 'noqa: E402' not in text, tool
