"""Gradient-level balancers in every stage of a staged method: AdaShare's warm-up, alternating search (weights on
train1, architecture on train2) and re-training of the compiled policy, end to end through the runner."""
import math

import pytest

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from mtlreg.testing import tiny_staged_config

register_all_modules()

pytestmark = pytest.mark.slow


@pytest.mark.parametrize('balancer', [
    dict(type='MGDABalancer'),                       # a Jacobian aggregation (torchjd)
    dict(type='NashMTLBalancer'),                    # a stateful one with its optional solver
    dict(type='GradNormBalancer'),                   # its own weights, which the architecture phase leaves alone
    dict(type='MoDoBalancer', samples=2),            # independent parts of every batch
], ids=lambda b: b['type'])
def test_a_gradient_balancer_runs_adashares_three_stages(tmp_path, balancer):
    cfg = tiny_staged_config(str(tmp_path), warmup=2, search=4, retrain=2)
    cfg.model.balancer = balancer
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    weights = runner.model.balancer.current_weights()
    assert set(weights) == set(cfg.tasks) and all(math.isfinite(w) for w in weights.values())
    assert runner.model.policy.fixed_structure() is not None  # the re-training ran the discrete policy
