"""Every Gumbel-Matrix config trains and tests with --fast-dev-run, on fake MNIST/Omniglot trees."""
import csv
import glob
import gzip
import json
import os

import numpy as np
import pytest
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run, remap_data_roots
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.configs.config_walk import walk_config

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'gumbel_matrix', '*.py')))
RNG = np.random.default_rng(0)


def fake_mnist(root, n=40):
    os.makedirs(root)
    for prefix in ('train', 't10k'):
        images = RNG.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        for kind, array in (('images-idx3', images), ('labels-idx1', np.arange(n) % 10)):
            header = bytes([0, 0, 8, array.ndim]) + b''.join(int(s).to_bytes(4, 'big') for s in array.shape)
            with gzip.open(os.path.join(root, f'{prefix}-{kind}-ubyte.gz'), 'wb') as f:
                f.write(header + array.astype(np.uint8).tobytes())


def fake_omniglot(root, alphabets, chars=2):
    """Every alphabet of the config with ``chars`` characters, all in images_background.npz."""
    os.makedirs(root)
    with open(os.path.join(root, 'alphabets.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['alphabet', 'set', 'npz_file', 'row_start', 'row_stop', 'n_characters',
                         'first_char_id', 'last_char_id'])
        for k, name in enumerate(alphabets):
            writer.writerow([name, 'background', 'images_background.npz', k * chars, (k + 1) * chars, chars,
                             k * chars + 1, (k + 1) * chars])
    images = RNG.random((len(alphabets) * chars, 20, 105, 105)) > 0.2
    labels = np.repeat(np.arange(len(images))[:, None], 20, axis=1)
    np.savez_compressed(os.path.join(root, 'images_background.npz'), images=images, labels=labels)


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory):
    base = tmp_path_factory.mktemp('data')
    fake_mnist(str(base / 'mnist'))
    fake_mnist(str(base / 'fashion_mnist'))
    alphabets = Config.fromfile(os.path.join(REPO, 'configs/_base_/datasets/omniglot_20task.py'))._alphabets
    fake_omniglot(str(base / 'omniglot'), [a for a, _ in alphabets.values()])
    return {f'data/{name}': str(base / name) for name in ('mnist', 'fashion_mnist', 'omniglot')}


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_gumbel_matrix_config_trains_and_tests_with_fast_dev_run(config, data_roots, tmp_path):
    cfg = Config.fromfile(config)
    used = set()
    walk_config(cfg._cfg_dict, lambda n: used.add(n['data_root']) if isinstance(n.get('data_root'), str) else None)
    remap_data_roots(cfg, {k: v for k, v in data_roots.items() if k in used})
    walk_config(cfg._cfg_dict, lambda n: n.update(num_samples=128) if 'num_samples' in n else None)
    cfg.work_dir = str(tmp_path)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{tmp_path.name}')
    cfg.experiment_name = tmp_path.name
    apply_fast_dev_run(cfg)
    if 'task_embedding' in cfg.get('named_hooks', {}):
        cfg.named_hooks.task_embedding.interval = 1
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values())
    learned = cfg.model.policy.type == 'GumbelMatrixPolicy'
    path = os.path.join(cfg.work_dir, 'task_embeddings', 'task_embeddings.json')
    assert os.path.isfile(path) == learned
    if learned:
        with open(path) as f:
            record = json.load(f)
        assert record['tasks'] == list(cfg.tasks) and 1 <= record['distinct'] <= len(cfg.tasks)
        logs = glob.glob(os.path.join(cfg.work_dir, '*', 'vis_data', 'scalars.json'))
        scalars = ''.join(open(p).read() for p in logs)
        assert 'task_embedding/distinct' in scalars and f'allocation/{record["tasks"][0]}/layer0' in scalars


@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_gumbel_matrix_configs_select_on_validation_data_never_on_test(config):
    cfg = Config.fromfile(config)
    splits = {loader: set() for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    for loader, found in splits.items():
        walk_config(cfg[loader].dataset, lambda n: found.add(n['split']) if 'split' in n else None)
    assert splits == {'train_dataloader': {'train'}, 'val_dataloader': {'val'}, 'test_dataloader': {'test'}}
    if cfg.get('test_checkpoint') == 'best':
        assert cfg.default_hooks.checkpoint.save_best.startswith('mean/')
