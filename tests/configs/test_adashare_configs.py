"""Every AdaShare config runs all its stages with --fast-dev-run, on tiny fake trees of the real layouts."""
import glob
import json
import os

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mtlreg.engine.config_utils import apply_fast_dev_run
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.configs.config_walk import walk_config

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the configs of the PASCAL-Context, NYUD-v2 multi-task and DomainNet releases run in test_release_configs.py
CONFIGS = sorted(c for c in glob.glob(os.path.join(REPO, 'configs', 'adashare', '*.py'))
                 if not any(k in os.path.basename(c) for k in ('pascal-context', 'nyud-', 'domainnet')))
SIZE = 20  # image side of the fake trees; crops are shrunk to 16
RNG = np.random.default_rng(0)


def _png(root, rel, array):
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    Image.fromarray(array).save(os.path.join(root, rel))
    return rel


def _npy(root, rel, array):
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    np.save(os.path.join(root, rel), array)
    return rel


SPLITS = dict(train=6, train1=3, train2=3, test=2)


def fake_taskonomy(root):
    info = {}
    for split, n in SPLITS.items():
        info[split] = []
        for i in range(n):
            stem = f'b_{split}/{{}}/point_{i}_view_0_domain_{{}}.png'
            info[split].append([
                _png(root, stem.format('rgb', 'rgb'), RNG.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)),
                _png(root, stem.format('segment_semantic', 'segmentsemantic'),
                     RNG.integers(0, 18, (SIZE, SIZE), dtype=np.uint8)),
                _png(root, stem.format('normal', 'normal'), RNG.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)),
                _png(root, stem.format('depth_zbuffer', 'depth_zbuffer'),
                     RNG.integers(0, 4000, (SIZE, SIZE), dtype=np.uint16)),
                _png(root, stem.format('keypoints2d', 'keypoints2d'),
                     RNG.integers(0, 65535, (SIZE, SIZE), dtype=np.uint16)),
                _png(root, stem.format('edge_texture', 'edge_texture'),
                     RNG.integers(0, 65535, (SIZE, SIZE), dtype=np.uint16))])
    with open(os.path.join(root, 'taskonomy.json'), 'w') as f:
        json.dump(info, f)
    np.save(os.path.join(root, 'semseg_prior_factor.npy'), np.ones(17))


def fake_nyuv2(root):
    info = {}
    for split, n in SPLITS.items():
        info[split] = []
        for i in range(n):
            name = f'{split}{i:03d}'
            info[split].append([
                _png(root, f'img/{name}.png', RNG.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)),
                _png(root, f'seg/{name}.png', RNG.integers(0, 40, (SIZE, SIZE), dtype=np.uint8)),
                _png(root, f'normal_mask/{name}.png', RNG.integers(1, 256, (SIZE, SIZE, 3), dtype=np.uint8)),
                _npy(root, f'depth/{name}.npy', RNG.uniform(0.5, 5, (SIZE, SIZE)).astype(np.float32))])
    with open(os.path.join(root, 'nyu_v2_3task.json'), 'w') as f:
        json.dump(info, f)


def fake_cityscapes(root):
    info = {}
    for split, n in SPLITS.items():
        info[split] = []
        for i in range(n):
            entry = [_npy(root, f'{split}/image/{i}.npy', RNG.random((SIZE, SIZE, 3)).astype(np.float32)),
                     _npy(root, f'{split}/depth/{i}.npy', RNG.uniform(0, 0.1, (SIZE, SIZE)).astype(np.float32))]
            for classes in (2, 7, 19):
                entry.append(_npy(root, f'{split}/label_{classes}/{i}.npy',
                                  RNG.integers(-1, classes, (SIZE, SIZE)).astype(np.float32)))
            info[split].append(entry)
    with open(os.path.join(root, 'cityscape.json'), 'w') as f:
        json.dump(info, f)


FAKE_TREES = {'TaskonomyDataset': fake_taskonomy, 'NYUv2Dataset': fake_nyuv2, 'CityscapesDataset': fake_cityscapes}


def shrink(cfg, root, work_dir):
    """Point every dataset at ``root``, shrink images, crops, batches and the network."""
    def visit(node):
        if node.get('type') in FAKE_TREES:
            node['root'] = root
        if node.get('type') == 'RandomCrop':
            node['height'] = node['width'] = 16
        if node.get('type') == 'Resize':
            node['height'] = node['width'] = SIZE
        if 'batch_size' in node:
            node['batch_size'] = 2
            node['num_workers'] = 0
            node['persistent_workers'] = False
        if node.get('type') == 'CrossEntropyLoss' and isinstance(node.get('class_weight'), str):
            node['class_weight'] = os.path.join(root, 'semseg_prior_factor.npy')
    walk_config(cfg._cfg_dict, visit)
    cfg.model.backbone.width_multiplier = 0.125
    for task in cfg.tasks.values():
        task.head.channels = 4
    cfg.work_dir = str(work_dir)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{os.path.basename(root)}')
    cfg.experiment_name = os.path.basename(root)
    return cfg


def _dataset_type(cfg):
    found = []
    walk_config(cfg.test_dataloader,
                lambda node: found.append(node['type']) if node.get('type') in FAKE_TREES else None)
    return found[0] if found else None


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_adashare_config_runs_every_stage_with_fast_dev_run(config, tmp_path):
    cfg = Config.fromfile(config)
    root = str(tmp_path / 'data')
    dataset = _dataset_type(cfg)
    if dataset is not None:
        FAKE_TREES[dataset](root)
        shrink(cfg, root, tmp_path / 'work')
    else:  # the embedded scenes data
        shrink(cfg, root, tmp_path / 'work')
        walk_config(cfg._cfg_dict, lambda n: n.update(resolution=32) if n.get('type') == 'ScenesDataset' else None)
    apply_fast_dev_run(cfg)
    if 'metric' in cfg.named_hooks.best_policy and cfg.named_hooks.best_policy.metric == 'delta/mean':
        assert 'single_task_reference' in cfg.val_evaluator, 'Δ_T selection needs single-task references'
    cfg.named_hooks.best_policy.after_full_curriculum = False
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    assert [s.name for s in runner.train_loop.stages] == ['warmup', 'search', 'retrain']
    assert runner.model.policy.mode == 'fixed'
    assert os.path.isfile(os.path.join(cfg.work_dir, 'policy', 'policy_sample0.json'))
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_adashare_configs_select_on_validation_data_never_on_test(config):
    cfg = Config.fromfile(config)
    val, test = cfg.val_dataloader.dataset, cfg.test_dataloader.dataset
    inner = val.get('dataset', val)
    assert inner.split != 'test' and test.split == 'test'
    if inner is not val:  # a holdout of train2: the policy learns on the rest of train2 only
        assert val.type == 'HoldoutDataset' and val.part == 'holdout'
        train2 = cfg.train_cfg.dataloaders.train2.dataset
        assert train2.type == 'HoldoutDataset' and train2.part == 'rest'
        assert (train2.fraction, train2.seed) == (val.fraction, val.seed)
        assert train2.dataset.split == inner.split
    assert cfg.named_hooks.best_policy.stage == 'search'
