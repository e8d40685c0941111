"""The DAG network configs: each dataset's config runs all three stages with --fast-dev-run (fake trees)."""
import glob
import json
import os

import numpy as np
import pytest
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run, remap_data_roots
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.structures.dag_grid import flow_restricted_edges
from mtlreg.registry import MODELS, register_all_modules
from tests.configs.config_walk import walk_config
from tests.configs.test_adashare_configs import fake_cityscapes, fake_nyuv2, shrink
from tests.configs.test_gumbel_matrix_configs import fake_omniglot

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'dag_network', '*.py')))
# One config per dataset runs end to end; the others differ from it only in the flow constant M.
RUN = [c for c in CONFIGS if os.path.basename(c) in (
    'dag_vgg16-m7_nyuv2-3task.py', 'dag_vgg16-m7_cityscapes-2task.py', 'dag_omniglot8-m5_omniglot-20task.py', 'dag_vgg16-m3_scenes-5task.py')]


def _prepare(config, tmp_path):
    cfg = Config.fromfile(config)
    root = str(tmp_path / 'data')
    if 'nyuv2' in config or 'cityscapes' in config:
        (fake_nyuv2 if 'nyuv2' in config else fake_cityscapes)(root)
        shrink(cfg, root, tmp_path / 'work')
    else:
        if 'omniglot' in config:
            alphabets = [a for a, _ in cfg._alphabets.values()]
            fake_omniglot(root, alphabets)
            remap_data_roots(cfg, {'data/omniglot': root})
            cfg.model.backbone.width_multiplier = 0.25
        else:
            cfg.model.backbone.width_multiplier = 0.0625
            for task in cfg.tasks.values():
                task.head.channels = 4
            walk_config(cfg._cfg_dict, lambda n: n.update(resolution=32) if 'resolution' in n else None)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.vis_backends = [dict(type='LocalVisBackend')]
        cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{tmp_path.name}')
        cfg.experiment_name = tmp_path.name
    apply_fast_dev_run(cfg)
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('config', RUN, ids=[os.path.basename(c) for c in RUN])
def test_dag_config_runs_every_stage_with_fast_dev_run(config, tmp_path):
    cfg = _prepare(config, tmp_path)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values())
    assert runner.model.policy.mode == 'fixed'
    with open(os.path.join(cfg.work_dir, 'topology', 'topology.json')) as f:
        assert list(json.load(f)['tasks']) == list(cfg.tasks)


@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_dag_configs_state_the_papers_settings(config):
    cfg = Config.fromfile(config)
    name = os.path.basename(config)
    m = int(name.split('-m')[1][0]) if '-m' in name else 3
    assert cfg.model.backbone.flow_constant == m
    model = MODELS.build(dict(cfg.model, tasks=cfg.tasks))
    n = model.backbone.num_states
    assert len(model.backbone.edges) == len(flow_restricted_edges(n, m))
    assert n == (8 if 'omniglot' in name else 12)
    stages = cfg.train_cfg.stages
    if 'scenes' not in name:  # App. A: iterations per stage; Table 9: learning rates and λ_sq
        expected = {'omniglot': (2000, 3000, 5000), 'pascal': (10000, 20000, 30000)}
        expected = next((v for k, v in expected.items() if k in name), (5000, 15000, 20000))
        assert (stages.warmup.iters, stages.search.iters, stages.finetune.iters) == expected
        upper, squeeze = {'cityscapes': (0.05, 0.01), 'pascal': (0.01, 0.005)}.get(
            next((k for k in ('cityscapes', 'pascal') if k in name), ''), (0.01, 0.05))
        assert cfg.optim_wrapper.search.arch_overrides.lr == upper and cfg.model.policy.squeeze_weight == squeeze
        assert cfg.optim_wrapper.search.optimizer.lr == 1e-4 and cfg.optim_wrapper.finetune.optimizer.lr == 1e-4
    splits = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        found = set()
        walk_config(cfg[loader].dataset,
                    lambda n: found.add(n.get('part', n.get('split'))) if 'split' in n or 'part' in n else None)
        splits[loader] = found
    assert 'test' not in splits['train_dataloader'] | splits['val_dataloader']
