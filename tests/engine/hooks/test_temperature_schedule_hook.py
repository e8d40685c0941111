"""The temperature schedule: exponential per policy epoch, inverse square root with a floor, errors named."""
import pytest

from mtlreg.engine.hooks import TemperatureScheduleHook
from tests.engine.hooks.adashare_runner import _runner


def test_exponential_temperature_per_policy_epoch():
    hook = TemperatureScheduleHook(start=5.0, decay=0.965, every=10, begin=20)
    assert [hook.value(i) for i in (0, 20, 29, 30, 45)] == pytest.approx([5.0, 5.0, 5.0, 5 * 0.965, 5 * 0.965 ** 2])
    runner = _runner(45)
    hook.before_train_iter(runner, 0)
    assert runner.model.policy.temperature.item() == pytest.approx(5 * 0.965 ** 2)
    assert runner.message_hub.get_scalar('train/temperature').current() == pytest.approx(5 * 0.965 ** 2)


def test_inverse_sqrt_temperature_with_floor():
    hook = TemperatureScheduleHook(start=50.0, schedule='inverse_sqrt', minimum=0.5)
    assert [hook.value(i) for i in (0, 3, 99, 100000)] == pytest.approx([50.0, 25.0, 5.0, 0.5])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match='schedule must be'):
        TemperatureScheduleHook(schedule='linear')
    runner = _runner(0)
    with pytest.raises(AttributeError, match="'heads.seg': .*|no buffer 'temperature'"):
        TemperatureScheduleHook(start=5.0, module='heads.seg').before_train_iter(runner, 0)
