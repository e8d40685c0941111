"""The DAG search diagnostics: a few search iterations, their gradients per state and the reduced depths."""
import json
import os

import pytest

from tests.tools.tool_module import REPO, load_tool

diagnostics = load_tool('analysis/dag_search_diagnostics.py')


@pytest.mark.slow
def test_a_short_search_reports_every_state_and_task(tmp_path, capsys):
    out = tmp_path / 'summary.json'
    diagnostics.main([os.path.join(REPO, 'configs', 'dag_network', 'dag_vgg16-m3_scenes-5task.py'),
                      '--work-dir', str(tmp_path / 'run'), '--out', str(out), '--cfg-options',
                      'train_cfg.stages.warmup.iters=1', 'train_cfg.stages.search.iters=2',
                      'model.backbone.width_multiplier=0.0625', 'train_dataloader.batch_size=2',
                      'train_dataloader.dataset.resolution=32'])
    summary = json.loads(out.read_text())
    assert summary['iterations'] == 2 and len(summary['states']) == 12
    assert summary['states'][0]['gamma_in'] is None  # state 1 has no incoming edge
    assert all(s['alpha'] >= 0 and s['beta'] > 0 for s in summary['states'])
    assert set(summary['tasks']) == {'seg', 'depth', 'normal', 'edge', 'keypoint'}
    for task in summary['tasks'].values():
        assert len(task['sigma_alpha']) == 12 and 1 <= task['read_in_argmax'] <= 12 and task['depth'] is not None
    assert 'tasks reduced to read-in -> read-out' in capsys.readouterr().out
