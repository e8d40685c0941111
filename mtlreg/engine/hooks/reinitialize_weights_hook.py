"""Re-initialising the weights when the re-training of a discrete policy begins."""
from __future__ import annotations

import copy

import torch

from mtlreg.registry import HOOKS, MODELS
from .hook_utils import broadcast_decision, clear_optimizer_states, unwrap_model
from .stage_hook import StageHook


@HOOKS.register_module()
class ReinitializeWeightsHook(StageHook):
    """At the start of ``stage``, re-initialises the weights as at model construction and resets optimisers.

    AdaShare re-trains the discrete architecture from scratch (Sec. 3.4): the
    model is built again from ``cfg.model`` (so a configured pretrained
    backbone is loaded again) and every parameter and buffer outside the policy
    takes the fresh values. ``keep_searched_weights=True`` keeps the searched
    weights instead (fine-tuning). Optimiser states are cleared either way, so
    the stage starts with a new optimiser state. In a distributed run every
    process takes rank 0's fresh values (its random generator may differ from
    the others', e.g. with ``randomness.diff_rank_seed``).

    Args:
        stage: the stage to prepare. Defaults to 'retrain'.
        keep_searched_weights: keep the weights. Defaults to False.
        reset_optimizers: clear every optimiser's state. Defaults to True.
        keep_prefixes: state-dict prefixes that are never re-initialised.
            Defaults to ``('policy.',)``.
    """

    priority = 'LOW'

    def __init__(self, stage: str = 'retrain', keep_searched_weights: bool = False, reset_optimizers: bool = True,
                 keep_prefixes: tuple = ('policy.',)):
        self.stage, self.keep_searched_weights = stage, keep_searched_weights
        self.reset_optimizers, self.keep_prefixes = reset_optimizers, tuple(keep_prefixes)

    def enter_stage(self, runner) -> None:
        model = unwrap_model(runner)
        if not self.keep_searched_weights:
            fresh = MODELS.build(copy.deepcopy(runner.cfg.model)).state_dict()
            own = model.state_dict()
            new = {k: v for k, v in fresh.items() if k in own and not k.startswith(self.keep_prefixes)}
            in_place = {k: v for k, v in new.items() if isinstance(v, torch.Tensor) and v.shape == own[k].shape}
            with torch.no_grad():
                for key, value in in_place.items():  # rank 0's draw: the processes' generators may differ
                    own[key].copy_(broadcast_decision(value))
            # the rest loads through the modules: a module's extra state (a balancer's aggregator state) and
            # buffers whose size a first step set (tracked gradients), which their modules know how to restore
            rest = {k: v for k, v in new.items() if k not in in_place}
            if rest:
                model.load_state_dict(rest, strict=False)
            runner.logger.info(f'ReinitializeWeightsHook: re-initialised {len(new)} tensors for stage {self.stage!r}')
        if self.reset_optimizers:
            clear_optimizer_states(runner)
