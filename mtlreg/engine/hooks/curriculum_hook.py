"""AdaShare's curriculum: the blocks a policy may learn, released from the last one backwards."""
from __future__ import annotations

import torch

from mtlreg.registry import HOOKS
from .hook_utils import iteration_in_stage, model_submodule, resolve_every
from .schedulable_buffers import schedulable_start, set_buffer
from .stage_hook import StageHook


@HOOKS.register_module()
class CurriculumHook(StageHook):
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
        super().before_train(runner)
        self.every = resolve_every(runner, self.every, self.stage, type(self).__name__)
        schedulable_start(runner, self, self.module, 'curriculum_blocks')

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
        set_buffer(target, 'curriculum_blocks', n)
        runner.message_hub.update_scalar('train/curriculum_blocks', n)
