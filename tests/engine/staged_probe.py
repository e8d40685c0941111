"""A hook that records every iteration of a staged run (stage, policy mode, what moved), and a runner with it."""
import torch
from mmengine.hooks import Hook

from mtlreg.engine.runner import MultiTaskRunner


class Probe(Hook):
    """Records, per iteration, the stage, the policy mode and whether logits or weights changed."""

    priority = 'LOWEST'

    def __init__(self):
        self.rows, self.val_scores, self.stage_events = [], [], []

    def _model(self, runner):
        return runner.model

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = self._model(runner)
        self._before = (model.policy.logits.detach().clone(), model.backbone.stem[0].weight.detach().clone())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = self._model(runner)
        logits_before, weight_before = self._before
        self.rows.append(dict(
            stage=runner.train_loop.stage, mode=model.policy.mode,
            logits_changed=not torch.equal(logits_before, model.policy.logits),
            weights_changed=not torch.equal(weight_before, model.backbone.stem[0].weight),
            temperature=float(model.policy.temperature), curriculum=int(model.policy.curriculum_blocks)))

    def after_val_epoch(self, runner, metrics=None):
        self.val_scores.append((runner.iter + 1, metrics['delta/mean'], runner.model.policy.logits.detach().clone()))

    def before_stage(self, runner, stage):
        self.stage_events.append(('before', stage))

    def after_stage(self, runner, stage):
        self.stage_events.append(('after', stage))


def _runner(cfg):
    runner = MultiTaskRunner.from_cfg(cfg)
    probe = Probe()
    runner.register_hook(probe)
    return runner, probe


def _first_conv(runner):
    return runner.model.backbone.stem[0]
