"""MMEngine's logger hook with validation scalars at the step of the training iteration they follow."""
from __future__ import annotations

from mmengine.hooks import LoggerHook as MMEngineLoggerHook

from mtlreg.registry import HOOKS


@HOOKS.register_module(name=['LoggerHook', 'TrainStepLoggerHook'])
class TrainStepLoggerHook(MMEngineLoggerHook):
    """MMEngine's ``LoggerHook`` (same arguments), registered in mtlreg under the same name.

    MMEngine writes the training scalars of iteration N at step N and the validation scalars at
    ``runner.iter``, which is N only when the validation runs after the iteration has been counted: a
    loop that validates inside the iteration (the staged loop, so that the iteration's checkpoint holds
    the outcome) would put them at N - 1. Here a validation during training is written at the step of
    the latest training iteration begun, the same step as that iteration's training scalars, whatever
    the loop. With ``log_metric_by_epoch=True`` (steps are epochs) MMEngine's steps are kept.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._train_step = None

    def before_train(self, runner) -> None:
        self._train_step = runner.iter

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._train_step = runner.iter + 1

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self.log_metric_by_epoch or self._train_step is None:
            return super().after_val_epoch(runner, metrics)
        tag, log_str = runner.log_processor.get_log_after_epoch(runner, len(runner.val_dataloader), 'val')
        runner.logger.info(log_str)
        runner.visualizer.add_scalars(tag, step=self._train_step, file_path=self.json_log_path)
