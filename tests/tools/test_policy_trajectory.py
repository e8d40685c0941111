"""The policy trajectory read back from a run's logged scalars."""
import json

import pytest

from mtlreg.utils.errors import MtlregError
from tests.tools.tool_module import load_tool

policy_trajectory = load_tool('analysis/policy_trajectory.py')


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))
    return path


def _policy_row(step, seg, depth):
    row = {'step': step, 'loss': 1.0}
    row.update({f'policy/seg/unit{u}': p for u, p in enumerate(seg)})
    row.update({f'policy/depth/unit{u}': p for u, p in enumerate(depth)})
    return row


def test_lines_give_floor_of_ten_p_per_unit_and_the_decided_count(tmp_path):
    path = _write(tmp_path / 'run' / '20260101_000000' / 'vis_data' / 'scalars.json', [
        {'step': 10, 'loss': 2.0},                                    # a row without the policy is skipped
        _policy_row(20, [0.5, 0.55, 0.5], [0.5, 0.45, 0.5]),
        _policy_row(40, [0.81, 0.79, 1.0], [0.2, 0.21, 0.0]),
        _policy_row(60, [0.95, 0.6, 1.0], [0.05, 0.3, 0.19]),
    ])
    assert policy_trajectory.find_scalars(str(tmp_path / 'run')) == str(path)
    tasks, steps = policy_trajectory.read_trajectory(str(path))
    assert tasks == ['seg', 'depth'] and [s for s, _ in steps] == [20, 40, 60]
    lines = policy_trajectory.trajectory_lines(tasks, steps, every=2)
    # every 2nd logged epoch (40), and always the last (60); 1.0 prints as 9
    assert lines == ['iteration 40  seg 879  depth 220  decided 4/6',
                     'iteration 60  seg 969  depth 031  decided 4/6']
    assert len(policy_trajectory.trajectory_lines(tasks, steps)) == 3
    assert policy_trajectory.trajectory_lines(tasks, steps, every=5) == lines[-1:]   # fewer steps: the last


def test_missing_log_or_policy_scalars_are_named(tmp_path):
    with pytest.raises(MtlregError, match='no vis_data/scalars.json'):
        policy_trajectory.find_scalars(str(tmp_path))
    path = _write(tmp_path / 'vis_data' / 'scalars.json', [{'step': 1, 'loss': 1.0}])
    with pytest.raises(MtlregError, match='no policy/<task>/unit<u> scalars'):
        policy_trajectory.read_trajectory(str(path))
    _write(path, [{'step': 1, 'policy/seg/unit0': 0.5, 'policy/seg/unit2': 0.5}])
    with pytest.raises(MtlregError, match='line 1: .* do not number the units'):
        policy_trajectory.read_trajectory(str(path))
    _write(path, [_policy_row(1, [0.5], [0.5]), {'step': 2, 'policy/seg/unit0': 0.5}])
    with pytest.raises(MtlregError, match=r"line 2: step 2 logs the policy of tasks \['seg'\], earlier"):
        policy_trajectory.read_trajectory(str(path))
    path.write_text('{"step": 1,\n')
    with pytest.raises(MtlregError, match='line 1: not a JSON object'):
        policy_trajectory.read_trajectory(str(path))
