"""Keeping the best policy of a search stage (by a validation metric) for the discretisation that follows."""
from __future__ import annotations

import logging

from mmengine.logging import print_log

from mtlreg.registry import HOOKS
from mtlreg.utils.errors import ConfigError
from .hook_utils import broadcast_decision, model_submodule, stage_names
from .stage_hook import StageHook


@HOOKS.register_module()
class BestPolicyHook(StageHook):
    """Keeps the policy state that scored best on the validation split during a stage.

    After each validation in ``stage`` the policy's state (its logits) is kept
    when ``metric`` improves; when the next stage begins, the kept state is
    loaded back, so the discretisation that follows starts from the best
    policy. AdaShare selects its policy this way, on the validation split (the
    official code scores candidate policies on the test split, which leaks the
    test set into the model: here the split is whatever ``val_dataloader``
    reads, the validation split in every shipped config). As in AdaShare,
    only validations after the curriculum has released every block compete
    (``after_full_curriculum``; a policy without a curriculum always
    competes). The kept state is saved in checkpoints. The validation results
    are the whole validation split's on every process of a distributed run, so
    every process keeps the same state; the one restored is rank 0's.

    Args:
        stage: the search stage. Defaults to 'search'.
        metric: the validation result to compare. Defaults to 'delta/mean'
            (Δ_T, needs ``single_task_reference`` in the evaluator).
        rule: ``'greater'`` or ``'less'``. Defaults to 'greater'.
        after_full_curriculum: ignore validations while the policy's search
            does not cover every unit yet (``BasePolicy.searches_every_unit``:
            AdaShare's curriculum holds blocks back). Defaults to True.
        module: the model's policy submodule. Defaults to 'policy'.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, stage: str = 'search', metric: str = 'delta/mean', rule: str = 'greater',
                 after_full_curriculum: bool = True, module: str = 'policy'):
        if rule not in ('greater', 'less'):
            raise ValueError(f"BestPolicyHook: rule must be 'greater' or 'less', got {rule!r}")
        self.stage, self.metric, self.rule, self.module = stage, metric, rule, module
        self.after_full_curriculum = after_full_curriculum
        self.best_score: float | None = None
        self.best_state: dict | None = None
        self.best_iter: int | None = None
        self.skipped = 0  # validations ignored because the curriculum had not released every block

    def before_train(self, runner) -> None:
        super().before_train(runner)
        evaluator = getattr(runner.val_loop, 'evaluator', None)
        if self.metric.startswith('delta/') and evaluator is not None and hasattr(evaluator, 'single_task_reference') \
                and not evaluator.single_task_reference:
            raise ConfigError(f'selects the policy by {self.metric!r} (Δ_T), but val_evaluator has no '
                              'single_task_reference', where='BestPolicyHook.metric',
                              expected="val_evaluator.single_task_reference, or a metric of the tasks, e.g. "
                              "named_hooks = dict(best_policy=dict(metric='seg/mIoU'))")

    def after_val_epoch(self, runner, metrics: dict | None = None) -> None:
        if not hasattr(runner.train_loop, 'stages') or runner.train_loop.stage != self.stage:
            return
        metrics = metrics or {}
        if self.metric not in metrics:
            raise ValueError(f'BestPolicyHook: the validation results have no {self.metric!r}; they are '
                             f'{sorted(metrics)}. Set the hook\'s metric to one of them (for "delta/mean" give '
                             'val_evaluator a single_task_reference).')
        policy = model_submodule(runner, self.module)
        if self.after_full_curriculum and not policy.searches_every_unit():
            self.skipped += 1
            return
        score = float(metrics[self.metric])
        better = (self.best_score is None or (score > self.best_score if self.rule == 'greater'
                                                  else score < self.best_score))
        if better:
            self.best_score, self.best_iter = score, runner.iter + 1
            self.best_state = {k: v.detach().cpu().clone() for k, v in policy.state_dict().items()}
            runner.logger.info(f'BestPolicyHook: new best policy, {self.metric} = {score:.4f} '
                               f'at iteration {self.best_iter}')

    def before_stage(self, runner, stage: str) -> None:
        names = stage_names(runner)
        if names.index(stage) == 0 or names[names.index(stage) - 1] != self.stage:
            return
        if self.best_state is None:
            why = (f'its {self.skipped} validation(s) all came before the curriculum released every block '
                   '(after_full_curriculum=True)' if self.skipped else 'no validation ran in it')
            print_log(f'BestPolicyHook: no policy of stage {self.stage!r} competed ({why}); keeping its final '
                      'policy', logger='current', level=logging.WARNING)
            return
        policy = model_submodule(runner, self.module)
        mode = policy.mode_index.clone()
        policy.load_state_dict({k: broadcast_decision(v) for k, v in self.best_state.items()})  # rank 0's
        policy.mode_index.copy_(mode)
        runner.logger.info(f'BestPolicyHook: restored the policy of iteration {self.best_iter} '
                           f'({self.metric} = {self.best_score:.4f})')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['best_policy'] = dict(score=self.best_score, iter=self.best_iter, state=self.best_state)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('best_policy')
        if saved:
            self.best_score, self.best_iter, self.best_state = saved['score'], saved['iter'], saved['state']
