"""Deriving the discrete policy when the stage that trains it begins."""
from __future__ import annotations

import os.path as osp

import torch
from mmengine.dist import is_main_process

from mtlreg.registry import HOOKS
from mtlreg.structures.policy_file import save_policy
from mtlreg.visualization import decision_heatmap, save_png
from .hook_utils import broadcast_decision, model_submodule, unwrap_model
from .stage_hook import StageHook


@HOOKS.register_module()
class DiscretizePolicyHook(StageHook):
    """At the start of ``stage``, derives discrete policies, saves them, and fixes the policy to one.

    AdaShare (Sec. 3.4) samples the final architecture from the learned execute
    probabilities (``discretize_cfg=dict(mode='sample')``); ``mode='argmax'``
    keeps every block with α ≥ 0.5. With ``num_samples`` > 1 the samples use
    seeds ``seed, seed + 1, ...``; each is written to
    ``<work_dir>/policy/policy_sample<i>.json`` (and a PNG), and sample
    ``use_sample`` is trained. A JSON can be re-trained on its own with
    ``FixedMaskPolicy(mask_file=...)``. In a distributed run every process
    trains rank 0's mask, and rank 0 writes the files.

    Args:
        stage: the stage that trains the discrete policy. Defaults to 'retrain'.
        discretize_cfg: arguments of ``policy.discretize`` (``{}``: none). Defaults to
            ``dict(mode='sample')``; with ``mode='sample'`` (or several samples) each call also gets
            ``seed``.
        seed: seed of the first sample. Defaults to 0.
        num_samples: how many policies to derive. Defaults to 1.
        use_sample: which one to train. Defaults to 0.
        module: the model's policy submodule. Defaults to 'policy'.
    """

    priority = 'NORMAL'

    def __init__(self, stage: str = 'retrain', discretize_cfg: dict | None = None, seed: int = 0,
                 num_samples: int = 1, use_sample: int = 0, module: str = 'policy'):
        if num_samples < 1 or not 0 <= use_sample < num_samples:
            raise ValueError(f'DiscretizePolicyHook: need num_samples >= 1 and 0 <= use_sample < num_samples, '
                             f'got {num_samples} and {use_sample}')
        self.stage, self.seed, self.num_samples, self.use_sample = stage, seed, num_samples, use_sample
        self.discretize_cfg = dict(mode='sample') if discretize_cfg is None else dict(discretize_cfg)
        self.module = module

    def masks(self, policy) -> list[torch.Tensor]:
        """The derived masks, one per sample."""
        if self.discretize_cfg.get('mode') == 'sample' or self.num_samples > 1:
            return [policy.discretize(**self.discretize_cfg, seed=self.seed + i) for i in range(self.num_samples)]
        return [policy.discretize(**self.discretize_cfg)]

    def enter_stage(self, runner) -> None:
        policy = model_submodule(runner, self.module)
        model = unwrap_model(runner)
        units = list(model.backbone.unit_names()) if hasattr(model, 'backbone') else None
        probs = policy.probabilities().cpu()
        masks = self.masks(policy)
        for i, mask in enumerate(masks if is_main_process() else []):
            path = osp.join(runner.work_dir, 'policy', f'policy_sample{i}.json')
            save_policy(path, policy.task_names, mask.cpu().numpy(), probs.numpy(), units,
                        discretize=self.discretize_cfg, seed=self.seed + i, iteration=runner.iter)
            save_png(path[:-len('.json')] + '.png',
                     decision_heatmap(probs.numpy(), mask.cpu().numpy(), policy.task_names, units,
                                      title=f'discrete policy, sample {i}: probabilities, the decision outlined'))
        chosen = broadcast_decision(masks[self.use_sample])  # rank 0's: every process trains one structure
        policy.fix(chosen)
        rows = '; '.join(f'{t}: {"".join(str(int(v)) for v in chosen[k].flatten())}'
                         for k, t in enumerate(policy.task_names))
        runner.logger.info(f'Discrete policy (sample {self.use_sample} of {len(masks)}, '
                           f'saved in {osp.join(runner.work_dir, "policy")}): {rows}')
