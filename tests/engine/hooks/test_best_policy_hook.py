"""The best policy of the search: validations once the curriculum is complete count; selecting by Δ needs references."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mtlreg.engine.hooks.best_policy_hook import BestPolicyHook
from mtlreg.utils.errors import ConfigError
from tests.engine.hooks.stub_runner import _runner


def test_best_policy_by_delta_needs_single_task_references(monkeypatch):
    monkeypatch.setattr('mtlreg.engine.hooks.stage_hook.check_stage', lambda *args: None)
    without = SimpleNamespace(single_task_reference={})
    with pytest.raises(ConfigError) as info:
        BestPolicyHook().before_train(_runner(nn.Module(), without))
    assert "BestPolicyHook.metric: selects the policy by 'delta/mean'" in '\n'.join(info.value.lines())
    BestPolicyHook(metric='seg/mIoU').before_train(_runner(nn.Module(), without))
    with_reference = SimpleNamespace(single_task_reference={'seg': {'mIoU': 40.0}})
    BestPolicyHook().before_train(_runner(nn.Module(), with_reference))


def test_best_policy_counts_only_validations_after_the_full_curriculum():
    from types import SimpleNamespace
    from mtlreg.engine.hooks import BestPolicyHook
    from mtlreg.models.policies import AdaSharePolicy
    policy = AdaSharePolicy(['a', 'b'], (3,))
    model = torch.nn.Module()
    model.policy = policy
    runner = SimpleNamespace(model=model, iter=9, train_loop=SimpleNamespace(stage='search', stages=[]),
                             logger=SimpleNamespace(info=lambda msg: None))
    hook = BestPolicyHook()
    policy.curriculum_blocks.fill_(2)
    hook.after_val_epoch(runner, {'delta/mean': 5.0})
    assert hook.best_score is None
    policy.curriculum_blocks.fill_(3)
    hook.after_val_epoch(runner, {'delta/mean': -1.0})
    hook.after_val_epoch(runner, {'delta/mean': -2.0})
    assert (hook.best_score, hook.best_iter) == (-1.0, 10)
    with pytest.raises(ValueError, match="no 'delta/mean'; they are \\['seg/mIoU'\\]"):
        hook.after_val_epoch(runner, {'seg/mIoU': 1.0})
