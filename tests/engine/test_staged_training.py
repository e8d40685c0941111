"""Staged training: stage schedule, alternating optimisers, transitions, best policy, exact resume."""
import json

import pytest
import torch
from mmengine.hooks import Hook

from mtlreg.engine.config_utils import apply_fast_dev_run
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.utils.errors import ConfigError
from mtlreg.engine.staged_train_loop import Phase, Stage, parse_stages
from mtlreg.registry import register_all_modules
from .tiny import tiny_staged_cfg

register_all_modules()


class Probe(Hook):
    """Records, per iteration, the stage, the policy mode and whether logits or weights changed."""

    priority = 'LOWEST'

    def __init__(self):
        self.rows, self.val_scores, self.stage_events = [], [], []

    def _model(self, runner):
        return runner.model

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = self._model(runner)
        self._before = (model.policy.logits.detach().clone(), model.backbone.stem[0].weight.detach().clone())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = self._model(runner)
        logits_before, weight_before = self._before
        self.rows.append(dict(
            stage=runner.train_loop.stage, mode=model.policy.mode,
            logits_changed=not torch.equal(logits_before, model.policy.logits),
            weights_changed=not torch.equal(weight_before, model.backbone.stem[0].weight),
            temperature=float(model.policy.temperature), curriculum=int(model.policy.curriculum_blocks)))

    def after_val_epoch(self, runner, metrics=None):
        self.val_scores.append((runner.iter + 1, metrics['delta/mean'], runner.model.policy.logits.detach().clone()))

    def before_stage(self, runner, stage):
        self.stage_events.append(('before', stage))

    def after_stage(self, runner, stage):
        self.stage_events.append(('after', stage))


def _runner(cfg):
    runner = MultiTaskRunner.from_cfg(cfg)
    probe = Probe()
    runner.register_hook(probe)
    return runner, probe


def _first_conv(runner):
    return runner.model.backbone.stem[0]


# ---------------------------------------------------------------- schedule
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


def test_fast_dev_run_keeps_every_stage_and_phase(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    apply_fast_dev_run(cfg)
    stages = parse_stages(cfg.train_cfg.stages)
    assert [(s.name, s.iters, s.cycle) for s in stages] == [('warmup', 2, 1), ('search', 2, 2), ('retrain', 2, 1)]
    assert cfg.train_cfg.dataloaders.train1.dataset.indices == 4  # min(4, batch 2 × 2 iterations)
    assert cfg.default_hooks.checkpoint.interval == 6


# --------------------------------------------------------------- optimisers
def test_each_optimiser_wrapper_holds_exactly_its_parameter_group(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_staged_cfg(tmp_path))
    wrappers = runner.build_optim_wrapper(runner.cfg.optim_wrapper)
    owned = {name: {id(p) for g in w.optimizer.param_groups for p in g['params']}
             for name, w in wrappers.optim_wrappers.items()}
    logits = {id(runner.model.policy.logits)}
    everything = {id(p) for p in runner.model.parameters()}
    assert owned['arch'] == logits
    for name in ('warmup', 'weights', 'retrain'):
        assert owned[name] == everything - logits
    assert isinstance(wrappers['weights'].optimizer, torch.optim.SGD)
    assert wrappers['weights'].optimizer.param_groups[0]['momentum'] == 0.9
    assert isinstance(wrappers['arch'].optimizer, torch.optim.Adam)
    assert wrappers['arch'].optimizer.param_groups[0]['weight_decay'] == 5e-4


def test_optim_wrapper_constructor_errors_name_the_entry():
    from mtlreg.engine.optim_constructor import ArchitectureOptimWrapperConstructor
    with pytest.raises(ValueError, match=r'optim_wrapper\.arch: expected a dict with an "optimizer"'):
        ArchitectureOptimWrapperConstructor(dict(arch=dict(lr=0.1)))
    with pytest.raises(ValueError, match=r"optim_wrapper\.w\.params: expected one of"):
        ArchitectureOptimWrapperConstructor(dict(w=dict(optimizer=dict(type='SGD', lr=0.1), params='heads')))


# ----------------------------------------------------------- a full run
@pytest.fixture(scope='module')
def staged_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('staged')
    runner, probe = _runner(tiny_staged_cfg(work_dir))
    runner.train()
    return runner, probe, work_dir


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


def test_temperature_and_curriculum_follow_policy_epochs_within_the_search(staged_run):
    runner, probe, _ = staged_run
    decay = next(h for h in runner.hooks if type(h).__name__ == 'TemperatureScheduleHook').decay
    search = [r for r in probe.rows if r['stage'] == 'search']
    # one policy epoch = one cycle of the two phases = 2 iterations
    assert [r['temperature'] for r in search] == pytest.approx([5.0, 5.0, 5 * decay, 5 * decay])
    assert [r['curriculum'] for r in search] == [1, 1, 2, 2]


def test_best_validation_policy_is_discretised_saved_and_fixed(staged_run):
    runner, probe, work_dir = staged_run
    policy = runner.model.policy
    search_vals = [v for v in probe.val_scores if v[0] <= 6]
    assert [v[0] for v in search_vals] == [4, 6]  # validation every 2 search iterations
    best_iter, best_score, best_logits = max(search_vals, key=lambda v: v[1])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BestPolicyHook')
    assert (hook.best_iter, hook.best_score) == (best_iter, pytest.approx(best_score))
    torch.testing.assert_close(policy.logits.detach(), best_logits)  # restored, then frozen
    record = json.loads((work_dir / 'policy' / 'policy_sample0.json').read_text())
    assert record['tasks'] == policy.task_names and len(record['units']) == 8
    mask = torch.tensor([record['mask'][t] for t in policy.task_names], dtype=torch.bool)
    assert torch.equal(mask, policy.fixed_mask) and policy.mode == 'fixed'
    # the scenes config keeps blocks with α >= 0.5 of the best policy
    assert record['discretize'] == {'mode': 'argmax'}
    assert torch.equal(mask, best_logits.softmax(-1)[..., 0] >= 0.5)
    for name in ('policy_sample0.png', 'policy_final.json', 'policy_final.png', 'sharing_tree.png'):
        assert (work_dir / 'policy' / name).is_file()
    # the heatmap once per policy epoch (2 search iterations) goes to the visualiser's backends, and at
    # the end (iteration 8) the final policy and its sharing tree
    images = sorted(p.name for p in work_dir.glob('*/vis_data/vis_image/*.png'))
    assert images == ['policy_final_8.png', 'policy_probabilities_4.png', 'policy_probabilities_6.png',
                      'sharing_tree_8.png']


def test_sampled_discretisation_is_the_seeded_draw_from_the_best_policy(tmp_path):
    cfg = tiny_staged_cfg(tmp_path, warmup=1, search=2, retrain=1)
    cfg.named_hooks.discretize.discretize_cfg = dict(mode='sample')
    cfg.named_hooks.discretize.update(seed=7, num_samples=3, use_sample=1)
    runner, probe = _runner(cfg)
    runner.train()
    best_logits = probe.val_scores[0][2]  # the one validation of the search
    alpha = best_logits.softmax(-1)[..., 0]
    for i in range(3):
        record = json.loads((tmp_path / 'policy' / f'policy_sample{i}.json').read_text())
        assert record['seed'] == 7 + i
        mask = torch.tensor([record['mask'][t] for t in runner.model.policy.task_names], dtype=torch.bool)
        assert torch.equal(mask, torch.bernoulli(alpha, generator=torch.Generator().manual_seed(7 + i)).bool())
        if i == 1:
            assert torch.equal(mask, runner.model.policy.fixed_mask)


def test_retraining_starts_from_freshly_initialised_weights(tmp_path):
    for keep in (False, True):
        cfg = tiny_staged_cfg(tmp_path / str(keep), warmup=1, search=2, retrain=1)
        cfg.named_hooks.reinitialize.keep_searched_weights = keep
        runner, _ = _runner(cfg)
        seen = {}

        class Snap(Hook):
            def after_stage(self, r, stage):
                if stage == 'search':
                    seen['search'] = _first_conv(r).weight.detach().clone()

            def before_train_iter(self, r, batch_idx, data_batch=None):
                if r.train_loop.stage == 'retrain':
                    seen['retrain'] = _first_conv(r).weight.detach().clone()
                    seen['bn_mean'] = r.model.backbone.stem[1].running_mean.detach().clone()
        runner.register_hook(Snap(), priority='LOWEST')
        runner.train()
        assert torch.equal(seen['search'], seen['retrain']) == keep
        if not keep:
            assert torch.count_nonzero(seen['bn_mean']) == 0  # batch-norm statistics start afresh


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


def test_unknown_stage_in_a_hook_is_named(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    cfg.named_hooks.curriculum.stage = 'serach'
    runner = MultiTaskRunner.from_cfg(cfg)
    with pytest.raises(ValueError, match="stage 'serach' is not a stage of train_cfg.stages"):
        runner.train()


def test_phase_naming_an_undeclared_dataloader_is_an_error(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    cfg.train_cfg.stages.search.phases[0].dataloader = 'train3'
    runner = MultiTaskRunner.from_cfg(cfg)
    with pytest.raises(ValueError, match="phase dataloader 'train3' is not declared"):
        runner.train()


def test_stage_cycle_counts_phase_iterations():
    stage = Stage('s', 10, (Phase('a', 'w', 3), Phase('b', 'arch', 2)))
    assert stage.cycle == 5
    assert [stage.phase_at(i).dataloader for i in range(7)] == ['a', 'a', 'a', 'b', 'b', 'a', 'a']


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
