"""tools/task_grouping.py end to end: real candidate trainings (tiny), selection, report, cache reuse."""
import json
import os

import pytest

from tests.tools.tool_module import REPO, load_tool

task_grouping = load_tool('task_grouping.py')

CONFIG = os.path.join(REPO, 'configs', 'task_grouping', 'shared_bottom_resnet18_scenes-5task.py')
TINY = ['train_cfg.max_iters=2', 'train_dataloader.batch_size=2', 'train_dataloader.dataset.indices=8',
        'val_dataloader.dataset.indices=8', 'test_dataloader.dataset.indices=8']


@pytest.mark.slow
def test_exact_then_hoa_reuse_the_trained_candidates(tmp_path, capsys):
    work_dir = str(tmp_path / 'grouping')
    common = [CONFIG, '--tasks', 'depth', 'edge', '--work-dir', work_dir, '--cfg-options', *TINY]
    task_grouping.main([*common, '--budget', '2.5', '1.2', '--method', 'exact'])
    for group in ('depth', 'edge', 'depth+edge'):
        result = json.load(open(os.path.join(work_dir, 'full', group, 'result.json')))
        assert set(result['val']) >= {f'delta/{t}' for t in group.split('+')}
    report = json.load(open(os.path.join(work_dir, 'grouping_exact_budget2.5_depth+edge.json')))
    assert report['tasks'] == ['depth', 'edge']
    assert report['costs']['depth'] == pytest.approx(1.0, abs=0.01) and report['costs']['depth+edge'] > 1.0
    rows = {row['name']: row for row in report['rows']}
    assert set(rows) == {'exact', 'all-in-one', 'all-separate'}
    # the selection maximises the summed validation Δ_Ti over the trained candidates
    val = {g: json.load(open(os.path.join(work_dir, 'full', g, 'result.json')))['val'] for g in
           ('depth', 'edge', 'depth+edge')}
    best = max(val['depth']['delta/depth'], val['depth+edge']['delta/depth']) + \
        max(val['edge']['delta/edge'], val['depth+edge']['delta/edge'])
    assert rows['exact']['predicted'] == pytest.approx(best / 2)
    assert rows['exact']['brute_force_score'] == pytest.approx(best)
    assert rows['all-in-one']['networks'] == [['depth', 'edge']]
    assert rows['all-separate']['cost'] == pytest.approx(2.0, abs=0.02)
    assert os.path.isfile(os.path.join(work_dir, 'grouping_exact_budget2.5_depth+edge.png'))
    # a budget that affords one network only: the two-task network
    tight = json.load(open(os.path.join(work_dir, 'grouping_exact_budget1.2_depth+edge.json')))
    assert tight['selection']['networks'] == [['depth', 'edge']]
    out = capsys.readouterr().out
    assert 'training 3 of 3 candidates (full)' in out and '--train-selection' in out

    task_grouping.main([*common, '--budget', '2.5', '--method', 'hoa'])
    out = capsys.readouterr().out
    assert 'training' not in out.split('Task grouping')[0]  # every candidate came from the cache
    hoa = json.load(open(os.path.join(work_dir, 'grouping_hoa_budget2.5_depth+edge.json')))
    hoa_rows = {row['name']: row for row in hoa['rows']}
    # with two tasks nothing is estimated: HOA's choice is exact's, and exact's row is there to compare
    assert hoa_rows['hoa']['networks'] == hoa_rows['exact (full)']['networks'] == rows['exact']['networks']
    task_grouping.main([*common, '--train-selection', os.path.join(work_dir, 'grouping_hoa_budget2.5_depth+edge.json')])
    assert 'mean delta/{task}: val' in capsys.readouterr().out

    # task affinity grouping: one more training (all tasks, with the lookahead), the rest from the cache
    task_grouping.main([*common, '--budget', '2.5', '--method', 'tag'])
    out = capsys.readouterr().out
    assert 'measuring the task affinities of depth+edge' in out and 'training' not in out.split('Task grouping')[0]
    tag = json.load(open(os.path.join(work_dir, 'grouping_tag_budget2.5_depth+edge.json')))
    affinity = json.load(open(os.path.join(work_dir, 'affinity', 'depth+edge', 'task_affinity.json')))
    assert affinity['steps'] == 1  # iteration 0 of 2, every 5
    z = affinity['affinity']
    assert tag['predicted']['depth+edge'] == {'depth': z['edge']['depth'], 'edge': z['depth']['edge']}
    assert tag['predicted']['depth'] == {'depth': 0.0}
    tag_rows = {row['name']: row for row in tag['rows']}
    # each task gains the affinity onto it where that is positive, else it stays alone (score 0)
    assert tag_rows['tag']['predicted'] == pytest.approx((max(0, z['edge']['depth']) + max(0, z['depth']['edge'])) / 2)
    assert tag['estimate_cost']['runs'] == 1 and tag['estimate_cost']['iterations'] == 2
    assert 'estimate: 1 training, 2 iterations' in out


def test_errors_name_the_option(tmp_path):
    with pytest.raises(KeyError, match='--tasks'):
        task_grouping.main([CONFIG, '--tasks', 'seg', 'colour', '--budget', '2'])
    with pytest.raises(ValueError, match='at least two tasks'):
        task_grouping.main([CONFIG, '--tasks', 'seg', '--budget', '2'])
    with pytest.raises(SystemExit):
        task_grouping.main([CONFIG])
