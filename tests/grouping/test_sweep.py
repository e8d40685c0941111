"""Candidate configs restricted to a group, and a sweep that resumes without retraining finished candidates."""
import json
import os

import pytest
from mmengine.config import Config

from mtlreg.grouping.sweep import CandidateSweep, GroupingSettings, candidate_config

CONFIG = 'configs/task_grouping/shared_bottom_resnet18_scenes-5task.py'


@pytest.fixture
def cfg(repo_root):
    return Config.fromfile(os.path.join(repo_root, CONFIG))


def test_candidate_config_keeps_only_the_group(cfg):
    cfg.task_grouping.order_options = {2: {'model.backbone.width_multiplier': 0.5}}
    settings = GroupingSettings.from_config(cfg)
    pair = candidate_config(cfg, ('depth', 'edge'), settings)
    assert list(pair.tasks) == ['depth', 'edge']
    assert set(pair.val_evaluator.single_task_reference) == {'depth', 'edge'}
    assert set(pair.test_evaluator.single_task_reference) == {'depth', 'edge'}
    assert pair.model.backbone.width_multiplier == 0.5  # the options of groups of two
    assert pair.train_cfg.max_iters == 500 and pair.train_cfg.val_interval == 500
    assert {'type': 'SaveMetricsHook'} in pair.custom_hooks
    assert 'task_grouping' not in pair
    single = candidate_config(cfg, ('seg',), settings)
    assert single.model.backbone.width_multiplier == 0.25  # no options for singles
    assert list(cfg.tasks) == ['seg', 'depth', 'normal', 'edge', 'keypoint']  # the base config is not changed


def test_early_stopping_cuts_the_schedule(cfg):
    settings = GroupingSettings.from_config(cfg)
    short = candidate_config(cfg, ('seg',), settings, fraction=0.2)
    assert short.train_cfg.max_iters == 100 and short.train_cfg.val_interval == 100
    assert short.param_scheduler[-1]['end'] == 500  # stopped early: the learning-rate schedule is not compressed
    del cfg.train_cfg['max_iters']
    with pytest.raises(ValueError, match='train_cfg.max_iters'):
        candidate_config(cfg, ('seg',), settings, fraction=0.2)


def test_settings_errors(cfg):
    cfg.task_grouping.rule = 'bigger'
    with pytest.raises(ValueError, match="task_grouping.rule: expected 'greater' or 'less'"):
        GroupingSettings.from_config(cfg)
    cfg.task_grouping.rule = 'greater'
    cfg.task_grouping.metric = 'delta/mean'
    with pytest.raises(ValueError, match=r'task_grouping.metric: expected a name with'):
        GroupingSettings.from_config(cfg)
    cfg.task_grouping.metric = 'delta/{task}'
    cfg.task_grouping.budget = 3
    with pytest.raises(KeyError, match=r"unknown keys \['budget'\]"):
        GroupingSettings.from_config(cfg)
    cfg.pop('task_grouping')
    with pytest.raises(KeyError, match='missing key "task_grouping"'):
        GroupingSettings.from_config(cfg)
    with pytest.raises(KeyError, match='are not declared in "tasks"'):
        candidate_config(cfg, ('x',), GroupingSettings(cost=dict(type='per_order', values={1: 1})))


class FakeTraining:
    """Stands in for tools/train.py: writes the metrics files; can fail on one group to simulate a crash."""

    def __init__(self, fail_on=None):
        self.calls, self.fail_on = [], fail_on

    def __call__(self, command, log, env):
        work_dir = command[command.index('--work-dir') + 1]
        group = os.path.basename(work_dir)
        self.calls.append((group, '--resume' in command))
        with open(os.path.join(work_dir, 'iter_1.pth'), 'w') as f:
            f.write('checkpoint')
        if group == self.fail_on:
            return 1
        for name, value in (('val_metrics.json', 1.0), ('test_metrics.json', 2.0)):
            metrics = {f'delta/{t}': value * len(group.split('+')) for t in group.split('+')}
            with open(os.path.join(work_dir, name), 'w') as f:
                json.dump({'metrics': metrics}, f)
        return 0


def test_sweep_resumes_after_interruption(cfg, tmp_path):
    settings = GroupingSettings.from_config(cfg)
    groups = [('seg',), ('depth',), ('seg', 'depth'), ('normal',)]
    crashing = FakeTraining(fail_on='seg+depth')
    sweep = CandidateSweep(cfg, settings, str(tmp_path), 'train.py', launch=crashing)
    with pytest.raises(RuntimeError, match=r'training seg\+depth \(full\) failed with exit code 1'):
        sweep.run(groups)
    assert [c[0] for c in crashing.calls] == ['seg', 'depth', 'seg+depth']
    assert sweep.cached(('seg',)) is not None and sweep.cached(('seg', 'depth')) is None

    again = FakeTraining()
    results = CandidateSweep(cfg, settings, str(tmp_path), 'train.py', launch=again).run(groups)
    # only the interrupted candidate (resumed from its checkpoint) and the one never started run again
    assert again.calls == [('seg+depth', True), ('normal', False)]
    assert results[('seg', 'depth')].task_value('delta/{task}', 'depth') == 2.0
    assert results[('seg', 'depth')].task_value('delta/{task}', 'depth', 'test') == 4.0
    config = Config.fromfile(str(tmp_path / 'full' / 'seg+depth' / 'config.py'))
    assert sorted(config.tasks) == ['depth', 'seg']
    with pytest.raises(KeyError, match=r"have no 'delta/normal'"):
        results[('seg',)].task_value('delta/{task}', 'normal')


def test_parallel_sweep_and_labels(cfg, tmp_path):
    settings = GroupingSettings.from_config(cfg)
    fake = FakeTraining()
    sweep = CandidateSweep(cfg, settings, str(tmp_path), 'train.py', jobs=2, launch=fake)
    results = sweep.run([('seg',), ('depth',), ('edge',)], fraction=0.2)
    assert sorted(c[0] for c in fake.calls) == ['depth', 'edge', 'seg']
    assert set(results) == {('seg',), ('depth',), ('edge',)}
    assert os.path.isfile(tmp_path / 'early0.2' / 'seg' / 'result.json')
    assert sweep.cached(('seg',)) is None  # the full schedule is a different candidate


def test_the_affinity_run_is_a_candidate_of_its_own_with_the_hook(cfg, tmp_path):
    cfg.task_grouping.affinity = dict(interval=5)
    settings = GroupingSettings.from_config(cfg)
    assert settings.affinity == {'interval': 5, 'lr': None}
    fake = FakeTraining()
    sweep = CandidateSweep(cfg, settings, str(tmp_path), 'train.py', launch=fake)
    result, path = sweep.measure_affinity(('seg', 'depth'))
    assert path == str(tmp_path / 'affinity' / 'seg+depth' / 'task_affinity.json')
    config = Config.fromfile(str(tmp_path / 'affinity' / 'seg+depth' / 'config.py'))
    assert dict(type='TaskAffinityHook', interval=5, lr=None) in config.custom_hooks
    assert result.iterations == 500 and result.seconds >= 0
    assert sweep.cached(('seg', 'depth')) is None  # not the plain candidate
    sweep.measure_affinity(('seg', 'depth'))
    assert len(fake.calls) == 1  # cached
    cfg.task_grouping.affinity = dict(every=5)
    with pytest.raises(ValueError, match=r"task_grouping.affinity: unknown keys \['every'\]"):
        GroupingSettings.from_config(cfg)
