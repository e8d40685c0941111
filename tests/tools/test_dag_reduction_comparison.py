"""The reduction comparison's plan, commands and table; finished runs are not repeated."""
import json
import os

import pytest

from tests.tools.tool_module import REPO, load_tool

comparison = load_tool('analysis/dag_reduction_comparison.py')


def _finished(work_dir, name, metric, sparsities):
    directory = os.path.join(work_dir, name)
    os.makedirs(os.path.join(directory, 'topology'))
    with open(os.path.join(directory, 'test_metrics.json'), 'w') as f:
        json.dump({'metrics': {'delta/mean': metric}}, f)
    with open(os.path.join(directory, 'topology', 'topology.json'), 'w') as f:
        json.dump({'tasks': {f't{i}': {'sparsity': s} for i, s in enumerate(sparsities)},
                   'parameters': {'total': 1000}}, f)


def test_plan_covers_the_reference_the_papers_rule_and_every_method_at_every_target(tmp_path):
    args = comparison.parse_args(['c.py', 'ckpt.pth', '--sparsities', '0.2', '0.1', '--random-seeds', '0', '1',
                                  '--work-dir', str(tmp_path)])
    names = [r['name'] for r in comparison.plan(args)]
    assert names == ['reference', 'flow_auto', 'flow_s0.2', 'threshold_s0.2', 'random_s0.2_seed0',
                     'random_s0.2_seed1', 'flow_s0.1', 'threshold_s0.1', 'random_s0.1_seed0', 'random_s0.1_seed1']
    run = comparison.plan(args)[5]
    cmd = comparison.command(run, str(tmp_path / run['name']), args)
    assert '--resume' in cmd and cmd[cmd.index('--resume') + 1] == os.path.abspath('ckpt.pth')
    options = cmd[cmd.index('--cfg-options') + 1:]
    assert 'named_hooks.discretize.discretize_cfg.method=random' in options
    assert 'named_hooks.discretize.discretize_cfg.target_sparsity=0.2' in options
    assert 'named_hooks.discretize.discretize_cfg.seed=1' in options
    reference = comparison.command(comparison.plan(args)[0], 'x', args)
    assert 'named_hooks.discretize.discretize_cfg.restrict=False' in reference
    assert 'named_hooks.discretize.discretize_cfg.restrict=True' in options
    args.no_restrict = True
    runs = comparison.plan(args)
    assert [r['restrict'] for r in runs] == [False, True] + [False] * 8


def test_finished_runs_are_collected_and_not_repeated(tmp_path):
    args = comparison.parse_args(['c.py', 'ckpt.pth', '--sparsities', '0.1', '--methods', 'flow',
                                  '--work-dir', str(tmp_path)])
    runs = comparison.plan(args)
    for run, metric, sparsities in zip(runs, (-3.0, -5.0, -4.0), ([1.0, 1.0], [0.1, 0.05], [0.1, 0.3])):
        _finished(str(tmp_path), run['name'], metric, sparsities)
    for run in runs:
        comparison.execute(run, args)   # would fail: neither config nor checkpoint exists
    rows = comparison.collect(runs, args)
    assert [r['metric'] for r in rows] == [-3.0, -5.0, -4.0]
    assert [r['sparsity'] for r in rows] == [1.0, pytest.approx(0.075), pytest.approx(0.2)]
    # the reference keeps every link (target 1), flow_auto has no target, flow_s0.1 has one task stuck at 0.3
    assert [r['tasks_at_target'] for r in rows] == [2, None, 1]
    assert [r['tasks'] for r in rows] == [2, 2, 2]
    args.metric = 'mean/accuracy'
    with pytest.raises(KeyError, match="no 'mean/accuracy'"):
        comparison.collect(runs, args)


def test_the_table_names_the_runs_that_stopped_above_their_target(tmp_path, capsys):
    config, checkpoint = tmp_path / 'c.py', tmp_path / 'ckpt.pth'
    config.write_text('')
    checkpoint.write_text('')
    argv = [str(config), str(checkpoint), '--sparsities', '0.1', '--methods', 'flow', 'threshold',
            '--work-dir', str(tmp_path / 'runs')]
    runs = comparison.plan(comparison.parse_args(argv))
    for run, sparsities in zip(runs, ([1.0, 1.0], [0.2, 0.2], [0.3, 0.1], [0.1, 0.0])):
        _finished(str(tmp_path / 'runs'), run['name'], -1.0, sparsities)
    comparison.main(argv)
    out = capsys.readouterr().out
    assert ' 1/2 ' in out and ' 2/2 ' in out
    assert 'not every task reached its target in flow_s0.1:' in out
    assert 'threshold_s0.1' not in out.splitlines()[-2]
    with open(tmp_path / 'runs' / 'summary.json') as f:
        assert [r['tasks_at_target'] for r in json.load(f)] == [2, None, 1, 2]


@pytest.mark.slow
def test_reduce_only_reports_each_runs_sub_networks_without_training(tmp_path, capsys):
    import torch
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.registry import MODELS, register_all_modules
    register_all_modules()
    config = os.path.join(REPO, 'configs', 'dag_network', 'dag_vgg16-m3_scenes-5task.py')
    model = MODELS.build(resolve_task_config(load_config(config)).model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for logits in (model.policy.read_in_logits, model.policy.edge_logits, model.policy.read_out_logits):
            logits.copy_(torch.randn(logits.shape, generator=generator))
    checkpoint = tmp_path / 'iter_580.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    work_dir = tmp_path / 'runs'
    comparison.main([config, str(checkpoint), '--sparsities', '0.3', '--methods', 'flow', 'random', '--no-restrict',
                     '--reduce-only', '--work-dir', str(work_dir)])
    with open(work_dir / 'reductions.json') as f:
        rows = {r['name']: r for r in json.load(f)}
    assert list(rows) == ['reference', 'flow_auto', 'flow_s0.3', 'random_s0.3_seed0']
    assert rows['reference']['sparsity'] == 1.0 and rows['reference']['tasks_at_target'] == 5
    assert all(t['depth'] == 11 and t['width'] == 3 for t in rows['reference']['topology'].values())
    # the same reduction the fine-tuning applies, from the loaded logits
    masks = model.policy.derive_mask(method='random', restrict=False, target_sparsity=0.3, seed=0)
    assert rows['random_s0.3_seed0']['topology'] == model.policy.topology(masks)
    for name in ('flow_s0.3', 'random_s0.3_seed0'):
        per_task = [t['sparsity'] for t in rows[name]['topology'].values()]
        assert rows[name]['tasks_at_target'] == sum(s <= 0.3 + 1e-9 for s in per_task)
    assert not any(p.is_dir() for p in work_dir.iterdir())      # nothing was fine-tuned
    assert 'flow_auto' in capsys.readouterr().out
    torch.save({'state_dict': {'backbone.w': torch.zeros(1)}}, checkpoint)
    with pytest.raises(ValueError, match='holds no policy weights'):
        comparison.main([config, str(checkpoint), '--reduce-only', '--work-dir', str(work_dir)])
    torch.save({'state_dict': {'policy.read_in_logits': torch.zeros(2, 3)}}, checkpoint)
    with pytest.raises(ValueError, match='does not fit'):
        comparison.main([config, str(checkpoint), '--reduce-only', '--work-dir', str(work_dir)])


def test_policy_from_takes_the_policy_of_one_checkpoint_and_everything_else_of_the_other(tmp_path):
    import torch
    from mtlreg.engine.runner import load_checkpoint_file
    weights = {'state_dict': {'backbone.w': torch.ones(2), 'policy.logits': torch.zeros(3)},
               'rewind_weights': {'backbone.w': torch.full((2,), 5.0)}, 'meta': {'seed': 1}}
    other = {'state_dict': {'backbone.w': torch.zeros(2), 'policy.logits': torch.arange(3.0)},
             'rewind_weights': {'backbone.w': torch.zeros(2)}, 'meta': {'seed': 0}}
    os.makedirs(tmp_path / 'a')
    os.makedirs(tmp_path / 'b')
    torch.save(weights, tmp_path / 'a' / 'iter_580.pth')
    torch.save(other, tmp_path / 'b' / 'iter_580.pth')
    path = comparison.checkpoint_with_policy_of(str(tmp_path / 'a' / 'iter_580.pth'),
                                                str(tmp_path / 'b' / 'iter_580.pth'), str(tmp_path / 'runs'))
    assert os.path.basename(path).startswith('iter_580_policy_of_b_')
    merged = load_checkpoint_file(path)
    assert torch.equal(merged['state_dict']['policy.logits'], torch.arange(3.0))
    assert torch.equal(merged['state_dict']['backbone.w'], torch.ones(2))
    assert torch.equal(merged['rewind_weights']['backbone.w'], torch.full((2,), 5.0)) and merged['meta'] == {'seed': 1}
    args = comparison.parse_args(['c.py', str(tmp_path / 'a' / 'iter_580.pth'), '--policy-from', 'x.pth'])
    assert args.policy_from == 'x.pth'
    other['state_dict']['policy.more'] = torch.zeros(1)
    torch.save(other, tmp_path / 'b' / 'iter_580.pth')
    with pytest.raises(ValueError, match='differ in their parameters'):
        comparison.checkpoint_with_policy_of(str(tmp_path / 'a' / 'iter_580.pth'), str(tmp_path / 'b' / 'iter_580.pth'),
                                             str(tmp_path / 'other_runs'))
