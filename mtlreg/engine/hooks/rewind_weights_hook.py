"""Rewinding the weights to where an earlier stage ended (lottery-ticket style re-training)."""
from __future__ import annotations

import torch

from mtlreg.registry import HOOKS
from .hook_utils import check_stage, clear_optimizer_states, unwrap_model
from .stage_hook import StageHook


@HOOKS.register_module()
class RewindWeightsHook(StageHook):
    """Keeps the weights at the end of ``source_stage`` and loads them back when ``stage`` begins.

    Choi & Im (CVPR 2023, App. A) rewind the network to its parameters at the
    end of the warm-up before fine-tuning the reduced structure. The copy is
    taken after the last iteration of ``source_stage`` (before that
    iteration's checkpoint is written) and travels in every later checkpoint,
    so a run resumed in between rewinds exactly as an uninterrupted one.
    Entries under ``keep_prefixes`` (the policy: the discrete structure) are
    not rewound; optimiser states are cleared.

    Args:
        source_stage: the stage whose end is kept. Defaults to 'warmup'.
        stage: the stage that starts from the kept weights. Defaults to 'finetune'.
        keep_prefixes: state-dict prefixes that are never rewound. Defaults to ``('policy.',)``.
        reset_optimizers: clear every optimiser's state. Defaults to True.
    """

    #: small arguments that build a working instance (the registry tests run every hook in a tiny staged run)
    example_args = dict(source_stage='warmup', stage='retrain')

    priority = 'LOW'  # before the checkpoint hook in after_train_iter

    def __init__(self, source_stage: str = 'warmup', stage: str = 'finetune', keep_prefixes: tuple = ('policy.',),
                 reset_optimizers: bool = True):
        if source_stage == stage:
            raise ValueError(f'RewindWeightsHook: source_stage and stage must differ, both are {stage!r}')
        self.source_stage, self.stage = source_stage, stage
        self.keep_prefixes, self.reset_optimizers = tuple(keep_prefixes), reset_optimizers
        self.snapshot: dict[str, torch.Tensor] | None = None

    def before_train(self, runner) -> None:
        check_stage(runner, self.source_stage, 'RewindWeightsHook')
        super().before_train(runner)
        names = [s.name for s in runner.train_loop.stages]
        if names.index(self.source_stage) >= names.index(self.stage):
            raise ValueError(f'RewindWeightsHook: source_stage {self.source_stage!r} must come before stage '
                             f'{self.stage!r} in train_cfg.stages {names}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        loop = runner.train_loop
        if loop.stage != self.source_stage or loop.stage_iter != loop.current_stage.iters - 1:
            return
        self.snapshot = {k: v.detach().cpu().clone() for k, v in unwrap_model(runner).state_dict().items()
                         if not k.startswith(self.keep_prefixes)}
        runner.logger.info(f'RewindWeightsHook: kept the weights at the end of stage {self.source_stage!r}')

    def enter_stage(self, runner) -> None:
        if self.snapshot is None:
            raise RuntimeError(f'RewindWeightsHook: no weights were kept at the end of stage {self.source_stage!r}; '
                               'resume from a checkpoint written at or after its end by a run with this hook')
        model = unwrap_model(runner)
        own = model.state_dict()
        with torch.no_grad():
            for key, value in self.snapshot.items():
                own[key].copy_(value)
        if self.reset_optimizers:
            clear_optimizer_states(runner)
        runner.logger.info(f'RewindWeightsHook: rewound {len(self.snapshot)} tensors to the end of stage '
                           f'{self.source_stage!r} for stage {self.stage!r}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.snapshot is not None:
            checkpoint['rewind_weights'] = dict(source_stage=self.source_stage, state=self.snapshot)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('rewind_weights')
        if saved and saved.get('source_stage') == self.source_stage:
            self.snapshot = saved['state']
