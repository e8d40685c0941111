"""The example plugin installed with pip is discovered by entry point and trains; custom_imports works too."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = os.path.join(REPO, 'examples', 'plugin_example')
FAST = ['--fast-dev-run', '--cfg-options', 'model.backbone.width_multiplier=0.125',
        'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2', 'test_dataloader.batch_size=2',
        'train_dataloader.dataset.resolution=32', 'val_dataloader.dataset.resolution=32']


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp('site')
    build = tmp_path_factory.mktemp('build')
    proc = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation',
                           '--target', str(target), PLUGIN], capture_output=True, text=True, timeout=300,
                          cwd=str(build))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return target


def _run(args, pythonpath, tmp_path, **env):
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in pythonpath), **env)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=600)


def test_entry_point_discovery_lists_the_plugin(installed, tmp_path):
    proc = _run(['tools/misc/list_modules.py'], [installed, REPO], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'BerHuLoss' in proc.stdout and 'GeometricMeanBalancer' in proc.stdout
    assert 'LightDenseHead' in proc.stdout
    assert 'plugins: example (mtlreg_plugin_example)' in proc.stdout


def test_installed_plugin_trains(installed, tmp_path):
    config = os.path.join(PLUGIN, 'configs', 'shared_bottom_berhu_geometric_scenes-5task.py')
    proc = _run(['tools/train.py', config, '--work-dir', str(tmp_path), *FAST], [installed, REPO], tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'weight_depth' in proc.stdout + proc.stderr


def test_custom_imports_without_entry_point(tmp_path):
    config = os.path.join(PLUGIN, 'configs', 'custom_imports_berhu_scenes-5task.py')
    proc = _run(['tools/train.py', config, '--work-dir', str(tmp_path), *FAST], [PLUGIN, REPO], tmp_path,
                MTLREG_DISABLE_PLUGIN_AUTOLOAD='1')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _fake_plugin(tmp_path, name, module, source):
    """An installed-looking plugin: a dist-info with an ``mtlreg.plugins`` entry point and its module."""
    site = tmp_path / 'site'
    dist = site / f'{name}-0.1.dist-info'
    dist.mkdir(parents=True)
    (dist / 'METADATA').write_text(f'Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n')
    (dist / 'entry_points.txt').write_text(f'[mtlreg.plugins]\n{name} = {module}\n')
    (site / f'{module}.py').write_text(source)
    return site


def test_broken_plugin_warns_or_fails_when_strict(tmp_path):
    site = _fake_plugin(tmp_path, 'broken', 'broken_plugin_mod', 'raise RuntimeError("boom")\n')
    code = 'from mtlreg.utils import load_plugins; load_plugins(); print("survived")'
    proc = _run(['-c', code], [site, REPO], tmp_path)
    assert proc.returncode == 0 and 'survived' in proc.stdout
    assert "mtlreg plugin 'broken' (broken_plugin_mod) failed to load: RuntimeError: boom" in proc.stderr
    strict = _run(['-c', code], [site, REPO], tmp_path, MTLREG_PLUGINS_STRICT='1')
    assert strict.returncode != 0 and 'PluginError' in strict.stderr


def test_duplicate_plugin_name_names_both_modules(tmp_path):
    site = _fake_plugin(tmp_path, 'dup', 'dup_plugin_mod',
                        'from mtlreg.registry import LOSSES\n'
                        '@LOSSES.register_module()\nclass CrossEntropyLoss:\n    pass\n')
    code = 'from mtlreg.registry import register_all_modules; register_all_modules()'
    proc = _run(['-c', code], [site, REPO], tmp_path)
    assert proc.returncode != 0
    assert 'mtlreg.models.losses.cross_entropy.CrossEntropyLoss' in proc.stderr
    assert 'dup_plugin_mod.CrossEntropyLoss' in proc.stderr
