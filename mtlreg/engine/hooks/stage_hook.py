"""The base of hooks that act when one stage of a staged run begins."""
from __future__ import annotations

from mmengine.hooks import Hook

from .hook_utils import check_stage


class StageHook(Hook):
    """A hook bound to one stage of a :class:`~mtlreg.engine.staged_train_loop.StagedTrainLoop`.

    ``self.stage`` names the stage (None: the whole run, for hooks that allow it). Before training,
    a stage that the loop does not have is an error naming the hook; when the stage begins,
    :meth:`enter_stage` runs.
    """

    stage: str | None = None

    def before_train(self, runner) -> None:
        if self.stage is not None:
            check_stage(runner, self.stage, type(self).__name__)

    def before_stage(self, runner, stage: str) -> None:
        if stage == self.stage:
            self.enter_stage(runner)

    def enter_stage(self, runner) -> None:
        """What the hook does when its stage begins (nothing by default)."""
