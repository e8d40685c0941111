"""Learning to Branch end to end from its scenes config, shrunk: search, discretise, re-train compiled, export."""
import json
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from mtlreg.apis.trained_model import load_trained_model
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.models.compact import load_compact_model, save_compact_model
from mtlreg.models.compact.report import compact_report
from mtlreg.registry import register_all_modules
from tests.engine.tiny import shrink_heads_and_loaders

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(REPO, 'configs', 'learn_to_branch', 'learn_to_branch_restree_scenes-5task.py')


def tiny_ltb_cfg(work_dir, search=4, retrain=2) -> Config:
    """The scenes config at 32×32, four samples, narrow nodes and heads, stages of a few iterations."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.model.backbone.update(channels=[4, 4, 8, 8], stem_channels=4)
    shrink_heads_and_loaders(cfg)
    stages = cfg.train_cfg.stages
    stages.search.update(iters=search, val_interval=search)
    stages.retrain.update(iters=retrain, val_interval=retrain)
    cfg.optim_wrapper.search.arch_overrides.lr = 0.5  # θ moves visibly in a few steps
    cfg.param_scheduler = dict(search=[], retrain=[])
    cfg.named_hooks.temperature.every = 2
    cfg.named_hooks.policy_visualization = None  # pictures cost seconds; the report's JSON is checked instead
    cfg.named_hooks.branching_tree.stage = None  # the report once, after training
    cfg.default_hooks.checkpoint.interval = search + retrain
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False, window_size=1)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{os.path.basename(work_dir)}')
    cfg.experiment_name = os.path.basename(str(work_dir))
    cfg.test_after_train = False
    return cfg


class Probe(Hook):
    """Per iteration: stage, mode, τ, whether θ moved, whether the compiled tree ran; θ when the search ends."""

    priority = 'LOWEST'

    def __init__(self):
        self.rows, self.searched_logits = [], None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._logits = runner.model.policy.logits.detach().clone()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model, loop = runner.model, runner.train_loop
        self.rows.append(dict(stage=loop.stage, mode=model.policy.mode, temperature=float(model.policy.temperature),
                              moved=not torch.equal(self._logits, model.policy.logits),
                              compiled=model.backbone.__dict__.get('_compact_cache') is not None))
        if loop.stage == 'search' and loop.stage_iter == loop.current_stage.iters - 1:
            self.searched_logits = model.policy.logits.detach().clone()


@pytest.mark.slow
def test_search_discretise_retrain_and_export(tmp_path):
    work_dir = tmp_path / 'ltb'
    runner = MultiTaskRunner.from_cfg(tiny_ltb_cfg(str(work_dir)))
    probe = Probe()
    runner.register_hook(probe)
    runner.train()
    model = runner.model

    assert [r['stage'] for r in probe.rows] == ['search'] * 4 + ['retrain'] * 2
    assert [r['mode'] for r in probe.rows] == ['search'] * 4 + ['fixed'] * 2
    assert [r['moved'] for r in probe.rows] == [True] * 4 + [False] * 2  # θ trains with the weights only in the search
    assert [r['temperature'] for r in probe.rows[:4]] == pytest.approx([5.0, 5.0, 4.25, 4.25])
    assert [r['compiled'] for r in probe.rows[4:]] == [True, True]
    groups = runner.optim_wrapper.optim_wrappers['search'].optimizer.param_groups
    assert [g['lr'] for g in groups] == [2e-3, 0.5] and groups[1]['params'] == [model.policy.logits]

    # the re-trained tree is the argmax tree of the searched θ, each task its chain
    policy = model.policy
    with torch.no_grad():
        policy.logits.copy_(probe.searched_logits)
    assert torch.equal(policy.fixed_mask, policy.mask_of_paths(policy.task_paths(policy.tree())))
    report = json.loads((work_dir / 'branching_tree' / 'branching_tree.json').read_text())
    assert report['widths'] == [1, 2, 4, 5] and set(report['tasks']) == set(model.task_names)
    assert report['parameters']['total'] == model.parameter_counts()['total']
    saved = json.loads((work_dir / 'policy' / 'policy_sample0.json').read_text())
    assert saved['mask'] == {t: policy.fixed_mask[k].int().tolist() for k, t in enumerate(model.task_names)}

    # what tools/export.py does before torch.export and ONNX (which see only the compiled modules): the trained
    # model from the run's config and last checkpoint, saved compact, loaded back, its cost report
    cfg, trained = load_trained_model(str(work_dir / os.path.basename(CONFIG)), str(work_dir / 'iter_6.pth'))
    out = str(tmp_path / 'export')
    save_compact_model(trained, out, dict(backbone=cfg.model.backbone, tasks=cfg.tasks))
    compact = load_compact_model(out)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected, got = trained.task_outputs(x), compact(x)
    for t in model.task_names:
        torch.testing.assert_close(got[t], expected[t], rtol=0, atol=0)
    exported = compact_report(trained, compact, (3, 32, 32))
    counts = model.parameter_counts()
    assert {k: v for k, v in exported['parameters'].items() if k != 'ratio_to_single_task'} == \
        {k: v for k, v in counts.items() if k != 'ratio_to_single_task'}
    shared = [row for row in exported['sharing'] if len(row['tasks']) > 1]
    assert shared and shared[0]['unit'] == 'l0n0' and len(shared[0]['tasks']) == 5  # the root, once for all tasks
    assert exported['flops']['multi_task_forward'] < exported['flops']['sum_of_tasks']
