"""The PASCAL-Context, NYUD-v2 multi-task and DomainNet configs: each runs all its stages with --fast-dev-run on a
tiny fake tree of its release, and states the settings its docs give."""
import glob
import os

import numpy as np
import pytest
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.configs.config_walk import walk_config
from tests.datasets.release_trees import make_domainnet, make_nyud_mt, make_pascal_context

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(c for c in glob.glob(os.path.join(REPO, 'configs', '*', '*.py'))
                 if any(k in os.path.basename(c) for k in ('pascal-context', 'nyud-', 'domainnet')))
SIZE = 20
FAKE_TREES = {
    'pascal-context': lambda root: make_pascal_context(root, splits=(('train', 12), ('val', 2)), size=SIZE),
    'nyud-': lambda root: make_nyud_mt(root, splits=(('train', 12), ('val', 2)), size=SIZE),
    'domainnet': lambda root: make_domainnet(root, per_class=(('train', 4), ('test', 1)), size=SIZE),
}


def _dataset_kind(config):
    return next(k for k in FAKE_TREES if k in os.path.basename(config))


def _prepare(config, tmp_path):
    cfg = Config.fromfile(config)
    root = str(tmp_path / 'data')
    FAKE_TREES[_dataset_kind(config)](root)

    def visit(node):
        if node.get('type') in ('PascalContextDataset', 'NYUv2Dataset', 'DomainNetDataset'):
            node['root'] = root
        if node.get('type') in ('Resize', 'RandomCrop'):
            node['height'], node['width'] = 16, 16
        if node.get('type') == 'RandomResizedCrop':
            node['size'] = (16, 16)
        if node.get('type') == 'BoundaryMetric':
            node['thresholds'] = 9
        if 'batch_size' in node:
            node['batch_size'] = 2
    walk_config(cfg._cfg_dict, visit)
    backbone = cfg.model.backbone.get('backbone', cfg.model.backbone)
    backbone.width_multiplier = 0.125 if 'dag_' not in config else 0.0625
    for task in cfg.tasks.values():
        if 'channels' in task.head:
            task.head.channels = 4
    cfg.work_dir = str(tmp_path / 'work')
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{tmp_path.name}')
    cfg.experiment_name = tmp_path.name
    apply_fast_dev_run(cfg)
    if 'best_policy' in cfg.get('named_hooks', {}):
        cfg.named_hooks.best_policy.after_full_curriculum = False
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_release_config_runs_every_stage_with_fast_dev_run(config, tmp_path):
    cfg = _prepare(config, tmp_path)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values()), metrics
    tasks = list(cfg.tasks)
    assert {key.split('/')[0] for key in metrics} >= set(tasks)
    assert ('edge/odsF' in metrics) == ('edge' in tasks) and ('sal/maxF' in metrics) == ('sal' in tasks)


def test_the_configs_cover_every_release_and_method():
    names = {os.path.basename(c) for c in CONFIGS}
    assert {'adashare_resnet34_pascal-context-5task.py', 'dag_vgg16-m9_pascal-context-5task.py',
            'shared_bottom_resnet34_pascal-context-5task.py', 'single_task_resnet34_pascal-context-5task.py',
            'adashare_resnet34_nyud-4task.py', 'shared_bottom_resnet34_nyud-4task.py',
            'single_task_resnet34_nyud-4task.py', 'adashare_resnet34_domainnet-6task.py',
            'shared_bottom_resnet34_domainnet-6task.py'} <= names


@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_release_configs_state_their_settings(config):
    cfg = Config.fromfile(config)
    kind = _dataset_kind(config)
    tasks = cfg.tasks
    if kind == 'pascal-context':
        assert list(tasks) == ['seg', 'parts', 'normal', 'sal', 'edge']
        assert (tasks.seg.head.out_channels, tasks.parts.head.out_channels) == (21, 7)
        assert tasks.edge.metric.max_dist == 0.0075
        if 'dag_' not in config:  # MTI-Net's weights; the DAG paper uses none
            assert [tasks[t].weight for t in tasks] == [1.0, 2.0, 10.0, 5.0, 50.0]
    elif kind == 'nyud-':
        assert list(tasks) == ['seg', 'depth', 'normal', 'edge'] and tasks.seg.head.out_channels == 40
        assert tasks.edge.metric.max_dist == 0.011 and [tasks[t].weight for t in tasks] == [1.0, 1.0, 10.0, 50.0]
    else:
        assert list(tasks) == ['real', 'painting', 'quickdraw', 'clipart', 'infograph', 'sketch']
        assert all(t.head.num_classes == 345 for t in tasks.values())
        assert cfg.train_dataloader.batch_size == 32
    # selection never on the test split
    test = cfg.test_dataloader.dataset
    for member in test.get('datasets', {'': test}).values():
        assert member.split in ('val', 'test') and member.type != 'HoldoutDataset'
    val = cfg.val_dataloader.dataset
    for member in val.get('datasets', {'': val}).values():
        assert member.type == 'HoldoutDataset' and member.part == 'holdout' and member.dataset.split == 'train'
    if 'dag_' in config:
        stages = cfg.train_cfg.stages
        assert (stages.warmup.iters, stages.search.iters, stages.finetune.iters) == (10000, 20000, 30000)
        assert cfg.optim_wrapper.search.arch_overrides.lr == 0.01 and cfg.model.policy.squeeze_weight == 0.005
        assert cfg.model.backbone.flow_constant == 9
