"""Hooks that cannot work with the model or evaluator they get say so before training starts."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mtlreg.engine.hooks.curriculum_hook import CurriculumHook
from mtlreg.engine.hooks.temperature_schedule_hook import TemperatureScheduleHook
from mtlreg.engine.hooks.best_policy_hook import BestPolicyHook
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
    loop = SimpleNamespace(stages=[SimpleNamespace(name='search', iters=4)])
    return SimpleNamespace(model=_Model(policy), train_loop=loop, val_loop=SimpleNamespace(evaluator=evaluator))


def test_a_schedule_of_an_undeclared_buffer_fails_before_training():
    runner = _runner(_PolicyWithTemperature())
    with pytest.raises(ConfigError, match="declares nothing schedulable"):
        TemperatureScheduleHook().before_train(runner)  # a buffer, but not declared
    with pytest.raises(ConfigError) as info:
        CurriculumHook().before_train(runner)
    text = '\n'.join(info.value.lines())
    assert "CurriculumHook: schedules 'curriculum_blocks' of model.policy" in text
    assert '_PolicyWithTemperature declares nothing schedulable' in text


def test_best_policy_by_delta_needs_single_task_references(monkeypatch):
    monkeypatch.setattr('mtlreg.engine.hooks.stage_hook.check_stage', lambda *args: None)
    without = SimpleNamespace(single_task_reference={})
    with pytest.raises(ConfigError) as info:
        BestPolicyHook().before_train(_runner(nn.Module(), without))
    assert "BestPolicyHook.metric: selects the policy by 'delta/mean'" in '\n'.join(info.value.lines())
    BestPolicyHook(metric='seg/mIoU').before_train(_runner(nn.Module(), without))
    with_reference = SimpleNamespace(single_task_reference={'seg': {'mIoU': 40.0}})
    BestPolicyHook().before_train(_runner(nn.Module(), with_reference))


class _DeclaringPolicy(nn.Module):
    """A policy that declares its temperature as BasePolicy.register_schedulable does."""

    def __init__(self, temperature):
        super().__init__()
        self.register_buffer('temperature', torch.tensor(temperature))
        self.schedulable = {'temperature': temperature}


def test_the_temperature_schedule_starts_from_the_policys_value():
    runner = _runner(_DeclaringPolicy(7.0))
    hook = TemperatureScheduleHook(decay=0.5, every=1)
    hook.before_train(runner)
    assert hook.start == 7.0 and hook.value(2) == 7.0 * 0.25
    told = TemperatureScheduleHook(start=3.0)
    told.before_train(runner)
    assert told.start == 3.0  # a start given to the hook wins (with a warning)


def test_adashare_declares_what_its_hooks_schedule():
    from mtlreg.models.policies.adashare import AdaSharePolicy
    policy = AdaSharePolicy(['a', 'b'], (4,), temperature=2.5)
    assert policy.schedulable == {'temperature': 2.5, 'curriculum_blocks': 4}
    assert float(policy.temperature) == 2.5 and int(policy.curriculum_blocks) == 4
