"""Where a run is in its stages: schedules count the policy epochs of their stage; an unknown stage is named."""
import pytest

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tiny import tiny_staged_cfg


def test_temperature_and_curriculum_follow_policy_epochs_within_the_search(staged_run):
    runner, probe, _ = staged_run
    decay = next(h for h in runner.hooks if type(h).__name__ == 'TemperatureScheduleHook').decay
    search = [r for r in probe.rows if r['stage'] == 'search']
    # one policy epoch = one cycle of the two phases = 2 iterations
    assert [r['temperature'] for r in search] == pytest.approx([5.0, 5.0, 5 * decay, 5 * decay])
    assert [r['curriculum'] for r in search] == [1, 1, 2, 2]


def test_unknown_stage_in_a_hook_is_named(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    cfg.named_hooks.curriculum.stage = 'serach'
    runner = MultiTaskRunner.from_cfg(cfg)
    with pytest.raises(ValueError, match="stage 'serach' is not a stage of train_cfg.stages"):
        runner.train()
