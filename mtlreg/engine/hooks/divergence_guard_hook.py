"""Stops a run whose loss, gradient or weights go non-finite (or explode), before it can be saved."""
from __future__ import annotations

import math

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mtlreg.engine.nonfinite import model_nonfinite_tensors
from mtlreg.registry import HOOKS
from mtlreg.utils.errors import DivergenceError

_SKIPPED_INFO = 'divergence_guard/skipped_steps'


@HOOKS.register_module()
class DivergenceGuardHook(Hook):
    """The divergence guard: on in every run (``default_hooks.divergence``; None turns it off).

    * Before every optimiser step it checks the loss and the gradients; a step with a non-finite
      loss or gradient is not applied (as a loss scaler skips a step), so the weights stay finite.
    * After every iteration it checks each task's loss (and ``loss_explosion``). A non-finite loss
      or a skipped step counts as a bad step; after ``max_skipped_steps`` bad steps (default 0: at
      the first) the run stops with a :class:`DivergenceError` naming the iteration, the stage and
      the tasks whose loss went non-finite. A loss above ``loss_explosion`` stops it at once.
    * The runner never writes a checkpoint whose weights are non-finite, and the checkpoint hook
      deletes old checkpoints only after a new one is written, so the last finite checkpoint
      survives; validation and test refuse to report metrics of non-finite weights.

    Args:
        max_skipped_steps: bad steps to tolerate (over the whole run, resumes included) before
            stopping. Defaults to 0.
        loss_explosion: stop when the total or a task's loss exceeds this value. Defaults to None
            (no threshold).
        check_gradients: check loss and gradients before each step (and skip a bad one). Defaults
            to True.
    """

    priority = 'ABOVE_NORMAL'  # after_train_iter before the checkpoint hook (VERY_LOW)

    def __init__(self, max_skipped_steps: int = 0, loss_explosion: float | None = None,
                 check_gradients: bool = True) -> None:
        if not isinstance(max_skipped_steps, int) or isinstance(max_skipped_steps, bool) or max_skipped_steps < 0:
            raise DivergenceError(f'max_skipped_steps must be an int >= 0, got {max_skipped_steps!r}',
                                  where='default_hooks.divergence.max_skipped_steps')
        if loss_explosion is not None and not (isinstance(loss_explosion, (int, float)) and loss_explosion > 0):
            raise DivergenceError(f'loss_explosion must be a positive number or None, got {loss_explosion!r}',
                                  where='default_hooks.divergence.loss_explosion')
        self.max_skipped_steps = max_skipped_steps
        self.loss_explosion = loss_explosion
        self.check_gradients = check_gradients
        self.skipped = 0
        self._step_skipped = False
        self._loss_finite = True

    # ------------------------------------------------------------------ training
    def before_train(self, runner) -> None:
        self.skipped = int(runner.message_hub.get_info(_SKIPPED_INFO, 0))
        if self.check_gradients:
            wrappers = runner.optim_wrapper
            wrappers = wrappers.optim_wrappers.values() if isinstance(wrappers, OptimWrapperDict) else [wrappers]
            for wrapper in wrappers:
                self._guard(wrapper)

    def _guard(self, wrapper) -> None:
        """Make the wrapper's optimiser skip a step whose loss or gradients are not all finite."""
        optimizer = wrapper.optimizer
        if getattr(optimizer, '_divergence_guarded', False):
            return
        backward, step = wrapper.backward, optimizer.step

        def guarded_backward(loss, **kwargs):
            self._loss_finite = bool(torch.isfinite(loss.detach()).all())
            return backward(loss, **kwargs)

        def guarded_step(*args, **kwargs):
            grads = [p.grad for group in optimizer.param_groups for p in group['params'] if p.grad is not None]
            finite = self._loss_finite and not (
                grads and not bool(torch.isfinite(torch.stack(torch._foreach_norm(grads))).all()))
            self._loss_finite = True
            if _any_rank(not finite):  # every process skips the same steps, so the replicas stay equal
                self._step_skipped = True
                return None
            return step(*args, **kwargs)

        wrapper.backward = guarded_backward
        optimizer.step = guarded_step
        optimizer._divergence_guarded = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        losses = {k[len('loss_'):]: float(v) for k, v in (outputs or {}).items() if k.startswith('loss_')}
        total = float(outputs['loss']) if outputs and 'loss' in outputs else None
        nonfinite = [t for t, v in losses.items() if not math.isfinite(v)]
        limit = self.loss_explosion
        exploded = [] if limit is None else [t for t, v in losses.items() if math.isfinite(v) and v > limit]
        if limit is not None and total is not None and math.isfinite(total) and total > limit and not exploded:
            exploded = ['(total)']
        skipped, self._step_skipped = self._step_skipped, False
        bad = bool(nonfinite or exploded or skipped or (total is not None and not math.isfinite(total)))
        if not _any_rank(bad):
            return
        where = _where(runner)
        shown = ', '.join(f'{t}={losses[t]:.3g}' for t in losses)
        if exploded:
            raise DivergenceError(
                f'training diverged at {where}: the loss of {", ".join(exploded)} exceeds '
                f'loss_explosion={limit:g} (losses: {shown})', hint=self._hint(runner, applied=True))
        if nonfinite:
            what = f'the loss of task(s) {", ".join(nonfinite)} is non-finite (losses: {shown})'
        elif skipped:
            what = f'a gradient is non-finite although every task loss is finite (losses: {shown})'
        else:
            what = f'the total loss is non-finite (losses: {shown})'
        if self.skipped < self.max_skipped_steps:
            self.skipped += 1
            runner.message_hub.update_info(_SKIPPED_INFO, self.skipped)
            runner.logger.warning(f'DivergenceGuardHook: {what} at {where}; step '
                                  f'{"skipped" if skipped else "kept"} ({self.skipped} of '
                                  f'{self.max_skipped_steps} bad steps allowed)')
            return
        raise DivergenceError(f'training diverged at {where}: {what}', hint=self._hint(runner, applied=not skipped))

    def _hint(self, runner, applied: bool) -> str:
        last = runner.message_hub.get_info('last_ckpt') or 'none yet'
        step = 'The step was applied' if applied else 'The step was not applied'
        return (f'{step}; no checkpoint of this iteration was written. Last good checkpoint: {last}. Lower the '
                'learning rate and continue with --resume auto, or tolerate bad steps with '
                '--cfg-options default_hooks.divergence.max_skipped_steps=N')

    # --------------------------------------------------------------- evaluation
    def before_val(self, runner) -> None:
        self._refuse_nonfinite(runner, 'validation')

    def before_test(self, runner) -> None:
        self._refuse_nonfinite(runner, 'test')

    @staticmethod
    def _refuse_nonfinite(runner, what: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        bad = model_nonfinite_tensors(model)
        if bad:
            raise DivergenceError(f'the model holds non-finite weights ({", ".join(bad)}); its {what} metrics '
                                  'would be meaningless and are not reported',
                                  hint='evaluate an earlier checkpoint (the last one written is finite)')


def _where(runner) -> str:
    loop = runner.train_loop
    stage = getattr(loop, 'stage', None)
    text = f'iteration {runner.iter + 1}'
    return f'{text} (stage {stage!r})' if stage is not None else text


def _any_rank(flag: bool) -> bool:
    """Whether ``flag`` holds on any process (every rank takes the same decision)."""
    if not (dist.is_distributed() and dist.get_world_size() > 1):
        return flag
    value = torch.tensor([1.0 if flag else 0.0])
    dist.all_reduce(value, op='max')
    return bool(value.item() > 0)
