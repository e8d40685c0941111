"""The staged loop: stages and phases parsed, run in order with alternating optimisers, validated, resumed exactly."""
import pytest
import torch

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.utils.errors import ConfigError
from mtlreg.engine.staged_train_loop import Phase, Stage, parse_stages
from mtlreg.registry import register_all_modules
from tests.engine.loop_stubs import _staged_loop
from tests.engine.staged_probe import _runner
from tests.engine.tiny import tiny_staged_cfg

register_all_modules()


def test_parse_stages_accepts_a_dict_in_order_and_names_errors():
    stages = parse_stages(dict(a=dict(iters=3), b=dict(iters=4, phases=[dict(dataloader='x', iters=2),
                                                                         dict(optim_wrapper='arch')])))
    assert [s.name for s in stages] == ['a', 'b'] and stages[0].phases == (Phase(),)
    assert [stages[1].phase_at(i).dataloader for i in range(4)] == ['x', 'x', 'train', 'x']
    with pytest.raises(ValueError, match=r'stages\[0\]\.iters \(a\)'):
        parse_stages(dict(a=dict(iters=0)))
    with pytest.raises(ValueError, match="stage 'a' appears twice"):
        parse_stages([dict(name='a', iters=1), dict(name='a', iters=1)])
    with pytest.raises(ConfigError, match=r"unknown keys \['lr'\]"):
        parse_stages(dict(a=dict(iters=1, lr=0.1)))
    with pytest.raises(ConfigError, match=r"phases\[0\]: unknown keys \['loader'\]"):
        parse_stages(dict(a=dict(iters=1, phases=[dict(loader='x')])))
    with pytest.raises(ValueError, match='non-empty'):
        parse_stages([])


def test_stage_cycle_counts_phase_iterations():
    stage = Stage('s', 10, (Phase('a', 'w', 3), Phase('b', 'arch', 2)))
    assert stage.cycle == 5
    assert [stage.phase_at(i).dataloader for i in range(7)] == ['a', 'a', 'a', 'b', 'b', 'a', 'a']


def test_the_staged_schedule_validates_every_interval_of_a_stage_and_at_its_end():
    validated = lambda loop: [i for i in range(1, loop.max_iters + 1) if loop.validates_after(i)]  # noqa: E731
    # search: its 2nd and 4th iteration and its end (global 4, 6, 7); retrain: its end (10)
    assert validated(_staged_loop()) == [4, 6, 7, 10]
    assert validated(_staged_loop(val_begin=5)) == [6, 7, 10]
    assert validated(_staged_loop(val_loop=False)) == []


def test_stages_run_in_order_with_their_policy_modes(staged_run):
    runner, probe, _ = staged_run
    assert [r['stage'] for r in probe.rows] == ['warmup'] * 2 + ['search'] * 4 + ['retrain'] * 2
    assert [r['mode'] for r in probe.rows] == ['warmup'] * 2 + ['search'] * 4 + ['fixed'] * 2
    assert probe.stage_events == [(w, s) for s in ('warmup', 'search', 'retrain') for w in ('before', 'after')]


def test_each_alternating_optimiser_touches_only_its_own_parameters(staged_run):
    _, probe, _ = staged_run
    rows = probe.rows
    # warm-up and re-training: weights only
    for r in rows[:2] + rows[6:]:
        assert r['weights_changed'] and not r['logits_changed']
    # search alternates: weights on train1 (even stage iterations), policy on train2 (odd)
    for i, r in enumerate(rows[2:6]):
        assert (r['weights_changed'], r['logits_changed']) == ((True, False) if i % 2 == 0 else (False, True))


def test_resume_inside_the_search_continues_identically(staged_run, tmp_path):
    runner, probe, work_dir = staged_run
    cfg = tiny_staged_cfg(tmp_path)
    cfg.resume, cfg.load_from = True, str(work_dir / 'iter_4.pth')  # warm-up 2 + search 2: inside the search
    resumed, resumed_probe = _runner(cfg)
    resumed.train()
    assert [r['stage'] for r in resumed_probe.rows] == ['search'] * 2 + ['retrain'] * 2
    assert resumed_probe.rows == probe.rows[4:]
    final, again = runner.model.state_dict(), resumed.model.state_dict()
    assert final.keys() == again.keys()
    for key in final:
        torch.testing.assert_close(final[key], again[key], rtol=0, atol=0, msg=key)


def test_phase_naming_an_undeclared_dataloader_is_an_error(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    cfg.train_cfg.stages.search.phases[0].dataloader = 'train3'
    runner = MultiTaskRunner.from_cfg(cfg)
    with pytest.raises(ValueError, match="phase dataloader 'train3' is not declared"):
        runner.train()
