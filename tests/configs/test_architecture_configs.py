"""MTAN, cross-stitch and expert-mixture configs train and test end to end (scenes tiny; NYUv2 on a fake release
tree)."""
import glob
import os

import numpy as np
import pytest
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.configs.test_adashare_configs import fake_nyuv2, shrink
from tests.engine.tiny import tiny_cfg

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'mtan', '*.py'))
                 + glob.glob(os.path.join(REPO, 'configs', 'cross_stitch', '*.py'))
                 + [path for method in ('mmoe', 'cgc', 'ple', 'dselect_k')
                    for path in glob.glob(os.path.join(REPO, 'configs', method, '*scenes*.py'))])


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_architecture_config_trains_and_tests(config, tmp_path):
    if 'scenes' in config:
        cfg = tiny_cfg(tmp_path, config=config, max_iters=2, interval=2)
    else:
        cfg = Config.fromfile(config)
        root = str(tmp_path / 'data')
        fake_nyuv2(root)
        shrink(cfg, root, tmp_path / 'work')
        apply_fast_dev_run(cfg)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert all(np.isfinite(v) for v in metrics.values())
    counts = runner.model.parameter_counts()
    assert counts['total'] > 0 and all(f'task/{t}' in counts for t in cfg.tasks)
