"""Stage transitions of a learned-sharing run: policy mode, best policy, discretisation, re-initialisation."""
from __future__ import annotations

import copy
import logging
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mtlreg.models.policies.policy_file import save_policy
from mtlreg.registry import HOOKS, MODELS
from mtlreg.utils.errors import ConfigError
from mtlreg.visualization import decision_heatmap, save_png
from .hook_utils import check_stage, clear_optimizer_states, model_submodule, stage_names, unwrap_model


@HOOKS.register_module()
class PolicyModeHook(Hook):
    """Puts the policy in a mode at the start of each listed stage.

    ``modes`` maps stage names to ``'warmup'`` (every unit on, or the policy's
    own pre-search gates; no regularisers) or ``'search'`` (the policy's learned
    gates and regularisers). The mode is a buffer of the policy, so it resumes
    with a checkpoint. ``'fixed'`` is set by :class:`DiscretizePolicyHook`.

    Args:
        modes: ``{stage: mode}``. Defaults to ``{'warmup': 'warmup', 'search': 'search'}``.
        module: the model's policy submodule. Defaults to 'policy'.
    """

    priority = 'HIGH'

    def __init__(self, modes: dict | None = None, module: str = 'policy'):
        self.modes = dict(modes or {'warmup': 'warmup', 'search': 'search'})
        bad = {s: m for s, m in self.modes.items() if m not in ('warmup', 'search')}
        if bad:
            raise ValueError(f"PolicyModeHook: modes must be 'warmup' or 'search', got {bad}")
        self.module = module

    def before_train(self, runner) -> None:
        for stage in self.modes:
            check_stage(runner, stage, 'PolicyModeHook')

    def before_stage(self, runner, stage: str) -> None:
        if stage in self.modes:
            model_submodule(runner, self.module).set_mode(self.modes[stage])
            runner.logger.info(f'Policy mode: {self.modes[stage]} (stage {stage})')


@HOOKS.register_module()
class BestPolicyHook(Hook):
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
    competes). The kept state is saved in checkpoints.

    Args:
        stage: the search stage. Defaults to 'search'.
        metric: the validation result to compare. Defaults to 'delta/mean'
            (Δ_T, needs ``single_task_reference`` in the evaluator).
        rule: ``'greater'`` or ``'less'``. Defaults to 'greater'.
        after_full_curriculum: ignore validations while the policy's
            ``curriculum_blocks`` is below its number of units. Defaults to True.
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
        check_stage(runner, self.stage, 'BestPolicyHook')
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
        released = getattr(policy, 'curriculum_blocks', None)
        if self.after_full_curriculum and released is not None and int(released) < torch.Size(policy.unit_grid).numel():
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
        policy.load_state_dict(self.best_state)
        policy.mode_index.copy_(mode)
        runner.logger.info(f'BestPolicyHook: restored the policy of iteration {self.best_iter} '
                           f'({self.metric} = {self.best_score:.4f})')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['best_policy'] = dict(score=self.best_score, iter=self.best_iter, state=self.best_state)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('best_policy')
        if saved:
            self.best_score, self.best_iter, self.best_state = saved['score'], saved['iter'], saved['state']


@HOOKS.register_module()
class DiscretizePolicyHook(Hook):
    """At the start of ``stage``, derives discrete policies, saves them, and fixes the policy to one.

    AdaShare (Sec. 3.4) samples the final architecture from the learned execute
    probabilities (``discretize_cfg=dict(mode='sample')``); ``mode='argmax'``
    keeps every block with α ≥ 0.5. With ``num_samples`` > 1 the samples use
    seeds ``seed, seed + 1, ...``; each is written to
    ``<work_dir>/policy/policy_sample<i>.json`` (and a PNG), and sample
    ``use_sample`` is trained. A JSON can be re-trained on its own with
    ``FixedMaskPolicy(mask_file=...)``.

    Args:
        stage: the stage that trains the discrete policy. Defaults to 'retrain'.
        discretize_cfg: arguments of ``policy.discretize`` (``{}``: none). Defaults to
            ``dict(mode='sample')``; with ``mode='sample'`` (or several samples) each call also gets
            ``seed``.
        seed: seed of the first sample. Defaults to 0.
        num_samples: how many policies to derive. Defaults to 1.
        use_sample: which one to train. Defaults to 0.
        module: the model's policy submodule. Defaults to 'policy'.
    """

    priority = 'NORMAL'

    def __init__(self, stage: str = 'retrain', discretize_cfg: dict | None = None, seed: int = 0,
                 num_samples: int = 1, use_sample: int = 0, module: str = 'policy'):
        if num_samples < 1 or not 0 <= use_sample < num_samples:
            raise ValueError(f'DiscretizePolicyHook: need num_samples >= 1 and 0 <= use_sample < num_samples, '
                             f'got {num_samples} and {use_sample}')
        self.stage, self.seed, self.num_samples, self.use_sample = stage, seed, num_samples, use_sample
        self.discretize_cfg = dict(mode='sample') if discretize_cfg is None else dict(discretize_cfg)
        self.module = module

    def before_train(self, runner) -> None:
        check_stage(runner, self.stage, 'DiscretizePolicyHook')

    def masks(self, policy) -> list[torch.Tensor]:
        """The derived masks, one per sample."""
        if self.discretize_cfg.get('mode') == 'sample' or self.num_samples > 1:
            return [policy.discretize(**self.discretize_cfg, seed=self.seed + i) for i in range(self.num_samples)]
        return [policy.discretize(**self.discretize_cfg)]

    def before_stage(self, runner, stage: str) -> None:
        if stage != self.stage:
            return
        policy = model_submodule(runner, self.module)
        model = unwrap_model(runner)
        units = list(model.backbone.unit_names()) if hasattr(model, 'backbone') else None
        probs = policy.probabilities().cpu()
        masks = self.masks(policy)
        for i, mask in enumerate(masks):
            path = osp.join(runner.work_dir, 'policy', f'policy_sample{i}.json')
            save_policy(path, policy.task_names, mask.cpu().numpy(), probs.numpy(), units,
                        discretize=self.discretize_cfg, seed=self.seed + i, iteration=runner.iter)
            save_png(path[:-len('.json')] + '.png',
                     decision_heatmap(probs.numpy(), mask.cpu().numpy(), policy.task_names, units,
                                      title=f'discrete policy, sample {i}: probabilities, the decision outlined'))
        chosen = masks[self.use_sample]
        policy.fix(chosen)
        rows = '; '.join(f'{t}: {"".join(str(int(v)) for v in chosen[k].flatten())}'
                         for k, t in enumerate(policy.task_names))
        runner.logger.info(f'Discrete policy (sample {self.use_sample} of {len(masks)}, '
                           f'saved in {osp.join(runner.work_dir, "policy")}): {rows}')


@HOOKS.register_module()
class ReinitializeWeightsHook(Hook):
    """At the start of ``stage``, re-initialises the weights as at model construction and resets optimisers.

    AdaShare re-trains the discrete architecture from scratch (Sec. 3.4): the
    model is built again from ``cfg.model`` (so a configured pretrained
    backbone is loaded again) and every parameter and buffer outside the policy
    takes the fresh values. ``keep_searched_weights=True`` keeps the searched
    weights instead (fine-tuning). Optimiser states are cleared either way, so
    the stage starts with a new optimiser state.

    Args:
        stage: the stage to prepare. Defaults to 'retrain'.
        keep_searched_weights: keep the weights. Defaults to False.
        reset_optimizers: clear every optimiser's state. Defaults to True.
        keep_prefixes: state-dict prefixes that are never re-initialised.
            Defaults to ``('policy.',)``.
    """

    priority = 'LOW'

    def __init__(self, stage: str = 'retrain', keep_searched_weights: bool = False, reset_optimizers: bool = True,
                 keep_prefixes: tuple = ('policy.',)):
        self.stage, self.keep_searched_weights = stage, keep_searched_weights
        self.reset_optimizers, self.keep_prefixes = reset_optimizers, tuple(keep_prefixes)

    def before_train(self, runner) -> None:
        check_stage(runner, self.stage, 'ReinitializeWeightsHook')

    def before_stage(self, runner, stage: str) -> None:
        if stage != self.stage:
            return
        model = unwrap_model(runner)
        if not self.keep_searched_weights:
            fresh = MODELS.build(copy.deepcopy(runner.cfg.model)).state_dict()
            own = model.state_dict()
            new = {k: v for k, v in fresh.items() if k in own and not k.startswith(self.keep_prefixes)}
            with torch.no_grad():
                for key, value in new.items():
                    own[key].copy_(value)
            runner.logger.info(f'ReinitializeWeightsHook: re-initialised {len(new)} tensors for stage {stage!r}')
        if self.reset_optimizers:
            clear_optimizer_states(runner)
