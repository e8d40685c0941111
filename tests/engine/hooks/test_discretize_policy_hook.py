"""The discrete policy when re-training begins: by argmax or seeded samples from the best validation's
policy (the final one with the selection off), saved and fixed."""
import json

import pytest
import torch

from tests.engine.staged_probe import _runner
from tests.engine.tiny import tiny_staged_cfg


def test_best_validation_policy_is_discretised_saved_and_fixed(staged_run):
    runner, probe, work_dir = staged_run
    policy = runner.model.policy
    search_vals = [v for v in probe.val_scores if v[0] <= 6]
    assert [v[0] for v in search_vals] == [4, 6]  # validation every 2 search iterations
    best_iter, best_score, best_logits = max(search_vals, key=lambda v: v[1])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BestPolicyHook')
    assert (hook.best_iter, hook.best_score) == (best_iter, pytest.approx(best_score))
    torch.testing.assert_close(policy.logits.detach(), best_logits)  # restored, then frozen
    record = json.loads((work_dir / 'policy' / 'policy_sample0.json').read_text())
    assert record['tasks'] == policy.task_names and len(record['units']) == 8
    mask = torch.tensor([record['mask'][t] for t in policy.task_names], dtype=torch.bool)
    assert torch.equal(mask, policy.fixed_mask) and policy.mode == 'fixed'
    # the scenes config keeps blocks with α >= 0.5 of the best policy
    assert record['discretize'] == {'mode': 'argmax'}
    assert torch.equal(mask, best_logits.softmax(-1)[..., 0] >= 0.5)
    for name in ('policy_sample0.png', 'policy_final.json', 'policy_final.png', 'sharing_tree.png'):
        assert (work_dir / 'policy' / name).is_file()
    # the heatmap once per policy epoch (2 search iterations) goes to the visualiser's backends, and at
    # the end (iteration 8) the final policy and its sharing tree
    images = sorted(p.name for p in work_dir.glob('*/vis_data/vis_image/*.png'))
    assert images == ['policy_final_8.png', 'policy_probabilities_4.png', 'policy_probabilities_6.png',
                      'sharing_tree_8.png']
    # with each heatmap, every unit's probability as a scalar; their mean is the task's mean
    (scalars,) = work_dir.glob('*/vis_data/scalars.json')
    rows = [row for row in map(json.loads, scalars.read_text().splitlines()) if 'policy/seg/mean' in row]
    assert [row['step'] for row in rows] == [4, 6]
    for row in rows:
        for task in policy.task_names:
            units = [row[f'policy/{task}/unit{u}'] for u in range(8)]
            assert sum(units) / 8 == pytest.approx(row[f'policy/{task}/mean'])


def test_sampled_discretisation_is_the_seeded_draw_from_the_best_policy(tmp_path):
    cfg = tiny_staged_cfg(tmp_path, warmup=1, search=2, retrain=1)
    cfg.named_hooks.discretize.discretize_cfg = dict(mode='sample')
    cfg.named_hooks.discretize.update(seed=7, num_samples=3, use_sample=1)
    runner, probe = _runner(cfg)
    runner.train()
    best_logits = probe.val_scores[0][2]  # the one validation of the search
    alpha = best_logits.softmax(-1)[..., 0]
    for i in range(3):
        record = json.loads((tmp_path / 'policy' / f'policy_sample{i}.json').read_text())
        assert record['seed'] == 7 + i
        mask = torch.tensor([record['mask'][t] for t in runner.model.policy.task_names], dtype=torch.bool)
        assert torch.equal(mask, torch.bernoulli(alpha, generator=torch.Generator().manual_seed(7 + i)).bool())
        if i == 1:
            assert torch.equal(mask, runner.model.policy.fixed_mask)


@pytest.mark.parametrize('select', [True, False])
def test_resuming_at_the_end_of_the_search_retrains_the_selected_or_the_final_policy(staged_run, tmp_path, select):
    _, _, work_dir = staged_run
    checkpoint = torch.load(work_dir / 'iter_6.pth', map_location='cpu', weights_only=False)  # search ends at 6
    final = checkpoint['state_dict']['policy.logits']
    planted = torch.zeros_like(final)
    planted[..., 0] = torch.linspace(-3, 3, final[..., 0].numel()).reshape(final.shape[:-1])  # half execute
    checkpoint['state_dict']['policy.logits'] = planted
    best = checkpoint['best_policy']['state']['logits']
    assert not torch.equal(best.softmax(-1)[..., 0] >= 0.5, planted.softmax(-1)[..., 0] >= 0.5)
    torch.save(checkpoint, tmp_path / 'search_end.pth')
    cfg = tiny_staged_cfg(tmp_path / 'run')
    cfg.resume, cfg.load_from = True, str(tmp_path / 'search_end.pth')
    if not select:
        cfg.named_hooks.best_policy = None  # as --cfg-options named_hooks.best_policy=None
    runner, _ = _runner(cfg)
    runner.train()
    kept = best if select else planted
    assert torch.equal(runner.model.policy.fixed_mask, kept.softmax(-1)[..., 0] >= 0.5)
