"""The buffers the schedule hooks drive: one the policy does not declare is refused; the declared value is the start."""
import pytest
import torch
from torch import nn

from mtlreg.engine.hooks.curriculum_hook import CurriculumHook
from mtlreg.engine.hooks.temperature_schedule_hook import TemperatureScheduleHook
from mtlreg.utils.errors import ConfigError
from tests.engine.hooks.stub_runner import _runner


class _PolicyWithTemperature(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('temperature', torch.tensor(5.0))


def test_a_schedule_of_an_undeclared_buffer_fails_before_training():
    runner = _runner(_PolicyWithTemperature())
    with pytest.raises(ConfigError, match="declares nothing schedulable"):
        TemperatureScheduleHook().before_train(runner)  # a buffer, but not declared
    with pytest.raises(ConfigError) as info:
        CurriculumHook().before_train(runner)
    text = '\n'.join(info.value.lines())
    assert "CurriculumHook: schedules 'curriculum_blocks' of model.policy" in text
    assert '_PolicyWithTemperature declares nothing schedulable' in text


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
