"""Hooks that cannot work with the model or evaluator they get say so before training starts."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mtlreg.engine.hooks.policy_schedule_hooks import CurriculumHook, TemperatureScheduleHook
from mtlreg.engine.hooks.stage_hooks import BestPolicyHook
from mtlreg.utils.errors import ConfigError


class _Model(nn.Module):
    def __init__(self, policy):
        super().__init__()
        self.policy = policy


class _PolicyWithTemperature(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('temperature', torch.tensor(5.0))


def _runner(policy, evaluator=None):
    loop = SimpleNamespace(stages=[SimpleNamespace(name='search', iters=4)], stage_names=['search'])
    return SimpleNamespace(model=_Model(policy), train_loop=loop, val_loop=SimpleNamespace(evaluator=evaluator))


def test_a_schedule_of_a_missing_buffer_fails_before_training():
    runner = _runner(_PolicyWithTemperature())
    TemperatureScheduleHook().before_train(runner)  # the buffer is there
    with pytest.raises(ConfigError) as info:
        CurriculumHook().before_train(runner)
    text = '\n'.join(info.value.lines())
    assert "CurriculumHook: schedules the buffer 'curriculum_blocks' of model.policy" in text
    assert '_PolicyWithTemperature has none' in text


def test_best_policy_by_delta_needs_single_task_references(monkeypatch):
    monkeypatch.setattr('mtlreg.engine.hooks.stage_hooks.check_stage', lambda *args: None)
    without = SimpleNamespace(single_task_reference={})
    with pytest.raises(ConfigError) as info:
        BestPolicyHook().before_train(_runner(nn.Module(), without))
    assert "BestPolicyHook.metric: selects the policy by 'delta/mean'" in '\n'.join(info.value.lines())
    BestPolicyHook(metric='seg/mIoU').before_train(_runner(nn.Module(), without))
    with_reference = SimpleNamespace(single_task_reference={'seg': {'mIoU': 40.0}})
    BestPolicyHook().before_train(_runner(nn.Module(), with_reference))
