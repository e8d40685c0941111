"""Schedulers that name a stage count ``begin``/``end`` from its first iteration; errors name the entry."""
import copy

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook

from mtlreg.engine.config_validation import validate_config
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.engine.stage_schedules import resolve_stage_schedules, stage_bounds
from mtlreg.engine.staged_train_loop import parse_stages
from mtlreg.registry import register_all_modules
from mtlreg.testing import tiny_staged_config
from mtlreg.utils.errors import ConfigError

register_all_modules()

# 100 + 240 + 1000 iterations: the re-training starts at global iteration 340
STAGES = parse_stages(dict(warmup=dict(iters=100), search=dict(iters=240), retrain=dict(iters=1000)))


def test_stage_bounds_are_cumulative_starts_and_lengths():
    assert stage_bounds(STAGES) == {'warmup': (0, 100), 'search': (100, 240), 'retrain': (340, 1000)}


def test_a_stage_entry_is_offset_by_the_stage_start_with_defaults_of_the_whole_stage():
    schedule = dict(warmup=[], retrain=[dict(type='LinearLR', start_factor=0.1, stage='retrain', end=100),
                                        dict(type='CosineAnnealingLR', stage='retrain', begin=100, eta_min=1e-5)],
                    weights=[dict(type='StepLR', step_size=40, stage='search')])
    original = copy.deepcopy(schedule)
    resolved = resolve_stage_schedules(schedule, STAGES)
    assert resolved == dict(
        warmup=[],
        retrain=[dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=340, end=440),
                 dict(type='CosineAnnealingLR', by_epoch=False, begin=440, end=1340, eta_min=1e-5)],
        weights=[dict(type='StepLR', step_size=40, by_epoch=False, begin=100, end=340)])
    assert schedule == original  # the config is not changed


def test_entries_without_a_stage_and_single_entries_and_lists_pass_through():
    global_entry = dict(type='LinearLR', by_epoch=False, begin=5, end=7)
    assert resolve_stage_schedules(global_entry, STAGES) == global_entry
    assert resolve_stage_schedules([global_entry], None) == [global_entry]
    assert resolve_stage_schedules(dict(type='StepLR', step_size=1, stage='warmup', begin=10), STAGES) == \
        dict(type='StepLR', step_size=1, by_epoch=False, begin=10, end=100)
    assert resolve_stage_schedules([dict(type='StepLR', step_size=1, stage='search', begin=239)], STAGES) == \
        [dict(type='StepLR', step_size=1, by_epoch=False, begin=339, end=340)]


@pytest.mark.parametrize('entry,stages,fragments', [
    (dict(type='StepLR', stage='retrian'), STAGES,
     ["param_scheduler.retrain[0].stage: is 'retrian'", "one of ['warmup', 'search', 'retrain']"]),
    (dict(type='StepLR', stage='retrain'), None, ['has no stages', "train_cfg.type='StagedTrainLoop'"]),
    (dict(type='StepLR', stage='retrain', by_epoch=True), STAGES,
     ['param_scheduler.retrain[0].by_epoch: counts epochs']),
    (dict(type='StepLR', stage='search', begin=5, end=5), STAGES,
     ['param_scheduler.retrain[0].end: end=5 does not follow begin=5', 'an integer > 5']),
    (dict(type='StepLR', stage='search', begin=-1), STAGES,
     ['param_scheduler.retrain[0].begin: begin=-1 is not an iteration', 'an integer >= 0']),
    (dict(type='StepLR', stage='search', begin=1.5), STAGES, ['begin=1.5']),
    (dict(type='StepLR', stage='search', end='100'), STAGES, ["end='100'", "(default: the stage's length, 240)"]),
])
def test_bad_stage_entries_are_refused_with_the_key(entry, stages, fragments):
    with pytest.raises(ConfigError) as info:
        resolve_stage_schedules(dict(retrain=[entry]), stages)
    text = '\n'.join(info.value.lines())
    for fragment in fragments:
        assert fragment in text, text


def test_validation_refuses_a_bad_stage_schedule_before_anything_is_built():
    cfg = Config.fromfile('configs/adashare/adashare_resnet18_scenes-5task.py')
    cfg.merge_from_dict({'param_scheduler.retrain': [dict(type='LinearLR', stage='retrain', begin=-5)]})
    with pytest.raises(ConfigError, match=r"param_scheduler.retrain\[0\].begin: begin=-5"):
        validate_config(cfg)


def test_a_shortened_stage_keeps_what_starts_in_it_and_leaves_out_what_would_start_after_it():
    """A quick run (2 re-training iterations): the warm-up keeps its length, the cosine never starts."""
    cfg = Config.fromfile('configs/adashare/adashare_resnet18_scenes-5task.py')
    cfg.merge_from_dict({'train_cfg.stages.retrain.iters': 2})
    validate_config(cfg)
    scheduler = resolve_stage_schedules(cfg.param_scheduler.to_dict(), parse_stages(cfg.train_cfg.stages))
    assert [(e['type'], e['begin'], e['end']) for e in scheduler['retrain']] == [('LinearLR', 340, 440)]
    single = dict(type='StepLR', step_size=1, stage='search', begin=240)
    assert resolve_stage_schedules(single, STAGES) == []
    assert resolve_stage_schedules([single], STAGES) == []
    assert resolve_stage_schedules(dict(type='StepLR', step_size=1, stage='search', end=241), STAGES) == \
        dict(type='StepLR', step_size=1, by_epoch=False, begin=100, end=341)


def test_a_longer_search_moves_the_retraining_schedule_with_its_stage():
    cfg = Config.fromfile('configs/adashare/adashare_resnet18_scenes-5task.py')
    cfg.merge_from_dict({'train_cfg.stages.search.iters': 480})
    retrain = resolve_stage_schedules(cfg.param_scheduler.to_dict(), parse_stages(cfg.train_cfg.stages))['retrain']
    assert [(e['begin'], e['end']) for e in retrain] == [(580, 680), (680, 1580)]


class _RecordLr(Hook):
    def __init__(self):
        self.lrs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.lrs.append(runner.optim_wrapper['retrain'].param_groups[0]['lr'])


def test_the_runner_applies_a_stage_schedule_from_the_stage_start(tmp_path):
    cfg = tiny_staged_config(str(tmp_path), warmup=2, search=4, retrain=4)
    cfg.param_scheduler = dict(warmup=[], weights=[], arch=[], retrain=[
        dict(type='LinearLR', start_factor=0.1, stage='retrain', end=2)])
    cfg.test_after_train = False
    runner = MultiTaskRunner.from_cfg(cfg)
    recorder = _RecordLr()
    runner.register_hook(recorder)
    runner.train()
    # untouched through warm-up and search (global 0-5); from global 6 MMEngine's linear warm-up of the range
    # [6, 8) (end - begin - 1 = 1 step): 0.1 × 1e-3, then × (1 + 0.9 / (1 × 0.1)) = 1e-3, kept after the range
    assert recorder.lrs == pytest.approx([1e-3] * 6 + [1e-4, 1e-3, 1e-3, 1e-3], rel=1e-9)
