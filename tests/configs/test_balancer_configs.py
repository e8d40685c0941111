"""Every balancer config trains a few iterations end to end and logs its weights."""
import glob
import json
import os

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.engine.tiny import tiny_cfg

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', 'balancers', '*.py')))


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS, ids=[os.path.basename(c) for c in CONFIGS])
def test_balancer_config_trains_and_logs_weights(config, tmp_path):
    cfg = tiny_cfg(tmp_path, config=config, max_iters=4, interval=4)
    if cfg.model.balancer.type == 'DWABalancer':
        cfg.model.balancer.window = 1  # the weights move from the third iteration on
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    scalars = [json.loads(line) for path in glob.glob(os.path.join(str(tmp_path), '*', 'vis_data', 'scalars.json'))
               for line in open(path)]
    logged = [s for s in scalars if 'weight_seg' in s]
    assert len(logged) == 4
    if cfg.model.balancer.type in ('DWABalancer', 'UncertaintyBalancer'):
        assert logged[-1]['weight_seg'] != logged[0]['weight_seg']  # the weights are learned or adapted
