from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mtlreg.engine.hooks import CurriculumHook, TemperatureScheduleHook
from mtlreg.models import MultiTaskModel


def _runner(it):
    tasks = dict(seg=dict(head=dict(type='SegmentationHead', out_channels=2, channels=4),
                          loss=dict(type='CrossEntropyLoss')))
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks,
                           policy=dict(type='AdaSharePolicy'))
    return SimpleNamespace(model=model, iter=it, message_hub=MessageHub.get_instance('policy_schedule_test'))


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


def test_curriculum_releases_blocks_from_the_end():
    hook = CurriculumHook(speed=3, every=10)
    # epoch e → ceil((e + 1) / 3) blocks, capped at L = 8
    assert [hook.blocks(i, 8) for i in (0, 29, 30, 59, 60, 1000)] == [1, 1, 2, 2, 3, 8]
    runner = _runner(60)
    hook.before_train_iter(runner, 0)
    assert int(runner.model.policy.curriculum_blocks) == 3
    assert runner.model.policy.learned_blocks().tolist() == [False] * 5 + [True] * 3


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match='schedule must be'):
        TemperatureScheduleHook(schedule='linear')
    runner = _runner(0)
    with pytest.raises(AttributeError, match="'heads.seg': .*|no buffer 'temperature'"):
        TemperatureScheduleHook(start=5.0, module='heads.seg').before_train_iter(runner, 0)
