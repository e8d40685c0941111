"""The divergence guard: a non-finite or exploding run stops with a message, its last finite checkpoint kept."""
import math
import os

import pytest
import torch
from mmengine.hooks import Hook

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import HOOKS
from mtlreg.utils.errors import DivergenceError
from tests.engine.tiny import tiny_cfg

pytestmark = pytest.mark.slow


@HOOKS.register_module()
class _PoisonHook(Hook):
    """Test helper: at one iteration, a NaN learning rate or a NaN label of one task."""
    priority = 'VERY_HIGH'

    def __init__(self, at: int, what: str):
        self.at, self.what = at, what

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 != self.at:
            return
        if self.what == 'lr':
            for group in runner.optim_wrapper.optimizer.param_groups:
                group['lr'] = math.nan
        else:
            data_batch['data_samples'][self.what].fill_(math.nan)


def _cfg(tmp_path, at, what, **guard):
    cfg = tiny_cfg(tmp_path, max_iters=6, interval=2)
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.custom_hooks = [dict(type='_PoisonHook', at=at, what=what)]
    cfg.default_hooks.divergence = dict(type='DivergenceGuardHook', **guard)
    return cfg


def test_a_nan_learning_rate_stops_the_run_and_keeps_the_last_finite_checkpoint(tmp_path):
    runner = MultiTaskRunner.from_cfg(_cfg(tmp_path, at=3, what='lr'))
    with pytest.raises(DivergenceError) as info:
        runner.train()
    message = str(info.value)
    # iteration 3 applied the NaN step; iteration 4 computes non-finite losses for every task
    assert message.startswith('training diverged at iteration 4: the loss of task(s) seg, depth, normal, edge, '
                              'keypoint is non-finite'), message
    assert 'iter_2.pth' in info.value.hint
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith('iter_')) == ['iter_2.pth']
    state = torch.load(tmp_path / 'iter_2.pth', weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def test_a_nan_label_names_its_task_and_the_step_is_not_applied(tmp_path):
    runner = MultiTaskRunner.from_cfg(_cfg(tmp_path, at=2, what='edge'))
    with pytest.raises(DivergenceError, match=r"iteration 2: the loss of task\(s\) edge is non-finite") as info:
        runner.train()
    assert 'The step was not applied' in info.value.hint
    weights = runner.model.state_dict()
    assert all(torch.isfinite(v).all() for v in weights.values() if v.is_floating_point())


def test_bad_steps_within_the_allowance_are_skipped_and_training_goes_on(tmp_path):
    cfg = _cfg(tmp_path, at=2, what='edge')
    cfg.default_hooks.divergence = dict(max_skipped_steps=1)  # as --cfg-options sets it: no type
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 6
    log = open(runner.logger.log_file).read()
    assert 'the loss of task(s) edge is non-finite' in log and 'step skipped (1 of 1 bad steps allowed)' in log


def test_a_skipped_step_changes_no_weight(tmp_path):
    """With the bad step skipped, the weights after it equal those before it."""
    cfg = _cfg(tmp_path, at=2, what='edge', max_skipped_steps=1)
    cfg.train_cfg.max_iters = 2
    runner = MultiTaskRunner.from_cfg(cfg)
    snapshots = []

    class _Snapshot(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            snapshots.append({k: v.clone() for k, v in runner.model.state_dict().items()
                              if k.endswith('weight')})
    runner.register_hook(_Snapshot())
    runner.train()
    assert all(torch.equal(snapshots[0][k], snapshots[1][k]) for k in snapshots[0])


def test_a_loss_above_the_explosion_threshold_stops_the_run(tmp_path):
    runner = MultiTaskRunner.from_cfg(_cfg(tmp_path, at=99, what='lr', loss_explosion=1.0))
    with pytest.raises(DivergenceError, match=r'iteration 1: the loss of .* exceeds loss_explosion=1'):
        runner.train()


def test_no_checkpoint_with_non_finite_weights_is_written_and_test_refuses_them(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_cfg(tmp_path, max_iters=2, interval=2))
    runner.train()
    with torch.no_grad():
        runner.model.heads['seg'].branches[0][-1].weight[0].fill_(math.inf)
    with pytest.raises(DivergenceError, match='non-finite values .*heads.seg') as info:
        runner.save_checkpoint(str(tmp_path), 'iter_3.pth')
    assert not (tmp_path / 'iter_3.pth').exists()
    assert info.value.hint.endswith('iter_2.pth')  # the newest file that exists
    with pytest.raises(DivergenceError, match='non-finite weights .*test metrics would be meaningless'):
        runner.test()


@pytest.mark.parametrize('guard', [dict(max_skipped_steps=-1), dict(max_skipped_steps=1.5),
                                   dict(loss_explosion=0), dict(loss_explosion='big')])
def test_bad_guard_settings_name_the_key(guard):
    from mtlreg.engine.hooks import DivergenceGuardHook
    with pytest.raises(DivergenceError, match=f'default_hooks.divergence.{next(iter(guard))}'):
        DivergenceGuardHook(**guard)


def test_the_guard_can_be_turned_off(tmp_path):
    cfg = _cfg(tmp_path, at=2, what='edge')
    cfg.default_hooks.divergence = None
    cfg.default_hooks.checkpoint.save_last = False  # the runner still refuses to save NaN weights
    cfg.default_hooks.checkpoint.interval = 100
    cfg.val_cfg = None
    cfg.val_dataloader = cfg.val_evaluator = None
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    assert not any(type(h).__name__ == 'DivergenceGuardHook' for h in runner.hooks)
