"""The seed sweep's summary: metric over seeds, active share, expected groups; finished runs are kept."""
import argparse
import json
import os

import pytest

from tests.tools.tool_module import load_tool

seed_sweep = load_tool('analysis/seed_sweep.py')


def _run(work_dir, seed, metric, mask, groups):
    directory = seed_sweep.run_dir(str(work_dir), 'configs/x/method.py', seed)
    for rel, record in (('test_metrics.json', {'metrics': {'mean/accuracy': metric}}),
                        ('policy/policy_final.json', {'mask': mask}),
                        ('task_embeddings/task_embeddings.json', {'distinct': len(groups), 'identical_groups': groups})):
        os.makedirs(os.path.dirname(os.path.join(directory, rel)), exist_ok=True)
        with open(os.path.join(directory, rel), 'w') as f:
            json.dump(record, f)
    return directory


def test_summary_over_seeds(tmp_path):
    _run(tmp_path, 0, 90.0, {'a': [[1, 1], [1, 0]], 'b': [[1, 1], [1, 0]]}, [['a', 'b']])
    directory = _run(tmp_path, 1, 94.0, {'a': [[1, 0], [0, 0]], 'b': [[1, 1], [1, 1]]}, [['a'], ['b']])
    args = argparse.Namespace(work_dir=str(tmp_path), metric='mean/accuracy', cfg_options=[], data_root=[], jobs=1)
    summary = seed_sweep.summarise('configs/x/method.py', [0, 1], args, expected=[{'a', 'b'}])
    assert summary['mean'] == pytest.approx(92.0) and summary['std'] == pytest.approx(2 ** 0.5 * 2)
    assert [r['active'] for r in summary['runs']] == [pytest.approx(0.75), pytest.approx(5 / 8)]
    assert [r['groups_as_expected'] for r in summary['runs']] == [True, False]
    # a finished run is not trained again (train() would fail here: the config does not exist)
    seed_sweep.train('configs/x/method.py', 1, directory, args)
    args.metric = 'mean/mIoU'
    with pytest.raises(KeyError, match="has no 'mean/mIoU'"):
        seed_sweep.summarise('configs/x/method.py', [0], args, expected=None)
