"""The policy's mode (warm-up or search) per stage."""
from __future__ import annotations

from mmengine.hooks import Hook

from mtlreg.registry import HOOKS
from .hook_utils import check_stage, model_submodule


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
