"""Log the model's parameter counts (total and per task)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtlreg.registry import HOOKS


@HOOKS.register_module()
class ModelSummaryHook(Hook):
    """Logs ``parameter_counts()`` of the model before and after training.

    The counts include only the units the discrete policy uses, so after a
    search they are the compact network's "# Params".
    """

    priority = 'VERY_LOW'

    def _log(self, runner, when: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'parameter_counts'):
            return
        counts = model.parameter_counts()
        text = ', '.join(f'{k}: {v:.3f}' if isinstance(v, float) else f'{k}: {v / 1e6:.3f}M'
                         for k, v in counts.items())
        runner.logger.info(f'Parameters ({when}): {text}')
        runner.message_hub.update_info('parameter_counts', counts)

    def before_train(self, runner) -> None:
        self._log(runner, 'before training')

    def after_train(self, runner) -> None:
        self._log(runner, 'after training')
