"""The Gumbel-softmax temperature of a policy, set from the iteration (AdaShare, Gumbel-Matrix)."""
from __future__ import annotations

import logging
import math

from mmengine.logging import print_log

from mtlreg.registry import HOOKS
from .hook_utils import iteration_in_stage, model_submodule, resolve_every
from .schedulable_buffers import schedulable_start, set_buffer
from .stage_hook import StageHook


@HOOKS.register_module()
class TemperatureScheduleHook(StageHook):
    """Sets a policy's Gumbel-softmax temperature from the iteration before every step.

    ``exponential`` (AdaShare, Sec. 4): τ = τ0 · decay^⌊(iter − begin) / every⌋, i.e. multiplied by
    ``decay`` after each "policy epoch" of ``every`` iterations. ``inverse_sqrt`` (Gumbel-Matrix's
    public code): τ = max(minimum, τ0 / √(iter − begin + 1)). Being a function of the iteration,
    the value is restored exactly on resume. Before ``begin`` the temperature stays τ0.
    With ``stage`` the iteration counts from that stage's start and the hook
    acts only in it (the loop must be a ``StagedTrainLoop``).

    τ0 is the policy's declared initial temperature (``BasePolicy.schedulable``), so the config sets it
    once, on the policy; a ``start`` given here overrides it, and the log says so when the two differ.

    Args:
        start: τ0 instead of the policy's. Defaults to None (the policy's).
        decay: factor per ``every`` iterations (exponential). Defaults to 0.965.
        every: iterations per decay step, or ``'cycle'``: one cycle of the
            stage's phases (AdaShare's policy epoch). Defaults to 1.
        schedule: ``'exponential'`` or ``'inverse_sqrt'``. Defaults to 'exponential'.
        minimum: lower bound. Defaults to 0.
        begin: iteration at which the schedule starts. Defaults to 0.
        module: the model's submodule holding the ``temperature`` buffer. Defaults to 'policy'.
        stage: the stage the schedule belongs to. Defaults to None (the whole run).
    """

    priority = 'HIGH'

    def __init__(self, start: float | None = None, decay: float = 0.965, every: int | str = 1,
                 schedule: str = 'exponential', minimum: float = 0.0, begin: int = 0, module: str = 'policy',
                 stage: str | None = None):
        if schedule not in ('exponential', 'inverse_sqrt'):
            raise ValueError(f"TemperatureScheduleHook: schedule must be 'exponential' or 'inverse_sqrt', "
                             f'got {schedule!r}')
        if every != 'cycle' and (not isinstance(every, int) or every < 1):
            raise ValueError(f"TemperatureScheduleHook: every must be an int >= 1 or 'cycle', got {every!r}")
        self.start, self.decay, self.every, self.schedule = start, decay, every, schedule
        self.minimum, self.begin, self.module, self.stage = minimum, begin, module, stage

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self.every = resolve_every(runner, self.every, self.stage, type(self).__name__)
        declared = schedulable_start(runner, self, self.module, 'temperature')
        if self.start is None:
            self.start = declared
        elif float(self.start) != float(declared):
            print_log(f'TemperatureScheduleHook: the schedule starts at its own start={self.start}, not at the '
                      f"policy's temperature={declared}", logger='current', level=logging.WARNING)

    def value(self, iteration: int) -> float:
        """The temperature at a (0-based) training iteration."""
        step = max(0, iteration - self.begin)
        if self.schedule == 'exponential':
            tau = self.start * self.decay ** (step // self.every)
        else:
            tau = self.start / math.sqrt(step + 1)
        return max(self.minimum, tau)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        iteration = iteration_in_stage(runner, self.stage)
        if iteration is None:
            return
        target = model_submodule(runner, self.module)
        tau = self.value(iteration)
        set_buffer(target, 'temperature', tau)
        runner.message_hub.update_scalar('train/temperature', tau)
