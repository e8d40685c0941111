"""Schedules of a policy's search state (Gumbel temperature, curriculum) derived from the iteration."""
from __future__ import annotations

import math

import torch
from mmengine.hooks import Hook

from mtlreg.registry import HOOKS
from mtlreg.utils.errors import ConfigError
from .hook_utils import check_stage, iteration_in_stage, model_submodule, resolve_every


def check_schedulable(runner, hook, module: str, name: str) -> None:
    """Refuse, before training starts, a schedule hook whose target has no buffer ``name``."""
    target = model_submodule(runner, module)
    if not torch.is_tensor(getattr(target, name, None)):
        hook_name = type(hook).__name__
        raise ConfigError(f'schedules the buffer {name!r} of model.{module}, but {type(target).__name__} has none',
                          where=hook_name, expected=f'a policy with a {name!r} buffer, or no {hook_name} '
                          '(remove it from named_hooks by setting it to None)')


def _set_buffer(target, name: str, value) -> None:
    buffer = getattr(target, name, None)
    if not torch.is_tensor(buffer):
        raise AttributeError(f'{type(target).__name__} has no buffer {name!r} to schedule')
    buffer.fill_(value)


@HOOKS.register_module()
class TemperatureScheduleHook(Hook):
    """Sets a policy's Gumbel-softmax temperature from the iteration before every step.

    ``exponential`` (AdaShare, Sec. 4): τ = τ0 · decay^⌊(iter − begin) / every⌋, i.e. multiplied by
    ``decay`` after each "policy epoch" of ``every`` iterations. ``inverse_sqrt`` (Gumbel-Matrix's
    public code): τ = max(minimum, τ0 / √(iter − begin + 1)). Being a function of the iteration,
    the value is restored exactly on resume. Before ``begin`` the temperature stays τ0.
    With ``stage`` the iteration counts from that stage's start and the hook
    acts only in it (the loop must be a ``StagedTrainLoop``).

    Args:
        start: τ0. Defaults to 5.0.
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

    def __init__(self, start: float = 5.0, decay: float = 0.965, every: int | str = 1, schedule: str = 'exponential',
                 minimum: float = 0.0, begin: int = 0, module: str = 'policy', stage: str | None = None):
        if schedule not in ('exponential', 'inverse_sqrt'):
            raise ValueError(f"TemperatureScheduleHook: schedule must be 'exponential' or 'inverse_sqrt', "
                             f'got {schedule!r}')
        if every != 'cycle' and (not isinstance(every, int) or every < 1):
            raise ValueError(f"TemperatureScheduleHook: every must be an int >= 1 or 'cycle', got {every!r}")
        self.start, self.decay, self.every, self.schedule = start, decay, every, schedule
        self.minimum, self.begin, self.module, self.stage = minimum, begin, module, stage

    def before_train(self, runner) -> None:
        if self.stage is not None:
            check_stage(runner, self.stage, type(self).__name__)
        self.every = resolve_every(runner, self.every, self.stage, type(self).__name__)
        check_schedulable(runner, self, self.module, 'temperature')

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
        tau = self.value(iteration)
        _set_buffer(model_submodule(runner, self.module), 'temperature', tau)
        runner.message_hub.update_scalar('train/temperature', tau)


@HOOKS.register_module()
class CurriculumHook(Hook):
    """Releases a policy's blocks from the last one backwards, one more every ``speed`` policy epochs.

    AdaShare's curriculum (Sec. 3.3): at policy epoch e = ⌊(iter − begin) / every⌋ the last
    ⌈(e + 1) / speed⌉ blocks are learned; after L · speed epochs, all. The count goes into the
    policy's ``curriculum_blocks`` buffer and the log. With ``stage`` the iteration counts from
    that stage's start and the hook acts only in it.

    Args:
        speed: policy epochs per released block. Defaults to 1.
        every: iterations per policy epoch, or ``'cycle'``: one cycle of the
            stage's phases. Defaults to 1.
        begin: iteration at which the curriculum starts. Defaults to 0.
        module: the model's submodule holding ``curriculum_blocks``. Defaults to 'policy'.
        stage: the stage the curriculum belongs to. Defaults to None (the whole run).
    """

    priority = 'HIGH'

    def __init__(self, speed: int = 1, every: int | str = 1, begin: int = 0, module: str = 'policy',
                 stage: str | None = None):
        if speed < 1 or (every != 'cycle' and (not isinstance(every, int) or every < 1)):
            raise ValueError(f"CurriculumHook: speed must be >= 1 and every an int >= 1 or 'cycle', "
                             f'got {speed} and {every!r}')
        self.speed, self.every, self.begin, self.module, self.stage = speed, every, begin, module, stage

    def before_train(self, runner) -> None:
        if self.stage is not None:
            check_stage(runner, self.stage, type(self).__name__)
        self.every = resolve_every(runner, self.every, self.stage, type(self).__name__)
        check_schedulable(runner, self, self.module, 'curriculum_blocks')

    def blocks(self, iteration: int, num_blocks: int) -> int:
        """How many of the last blocks are learned at a (0-based) iteration."""
        epoch = max(0, iteration - self.begin) // self.every
        return min(num_blocks, -(-(epoch + 1) // self.speed))

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        iteration = iteration_in_stage(runner, self.stage)
        if iteration is None:
            return
        target = model_submodule(runner, self.module)
        num_blocks = int(torch.Size(target.unit_grid).numel())
        n = self.blocks(iteration, num_blocks)
        _set_buffer(target, 'curriculum_blocks', n)
        runner.message_hub.update_scalar('train/curriculum_blocks', n)
