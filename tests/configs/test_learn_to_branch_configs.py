"""Every Learning-to-Branch config runs its search and re-training with --fast-dev-run (fake MNIST trees)."""
import glob
import json
import os

import numpy as np
import pytest
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run, remap_data_roots
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.configs.config_walk import walk_config
from tests.configs.test_gumbel_matrix_configs import fake_mnist

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'learn_to_branch', '*.py')))


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_learn_to_branch_config_searches_retrains_and_tests_with_fast_dev_run(config, tmp_path):
    cfg = Config.fromfile(config)
    used = set()
    walk_config(cfg._cfg_dict, lambda n: used.add(n['data_root']) if isinstance(n.get('data_root'), str) else None)
    roots = {}
    for root in sorted(used):
        fake_mnist(str(tmp_path / 'data' / os.path.basename(root)))
        roots[root] = str(tmp_path / 'data' / os.path.basename(root))
    remap_data_roots(cfg, roots)
    walk_config(cfg._cfg_dict, lambda n: n.update(indices=4) if n.get('type') == 'ScenesDataset' else None)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{tmp_path.name}')
    cfg.experiment_name = tmp_path.name
    cfg.named_hooks.policy_visualization = None  # pictures cost seconds; the report's JSON is checked below
    apply_fast_dev_run(cfg)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    assert runner.model.policy.mode == 'fixed'
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values())
    with open(os.path.join(cfg.work_dir, 'branching_tree', 'branching_tree.json')) as f:
        report = json.load(f)
    assert report['widths'][-1] == len(cfg.tasks) and report['widths'][0] == 1
    assert report['parameters']['total'] < report['parameters']['single_task_total']
