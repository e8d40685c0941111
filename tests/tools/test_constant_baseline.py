"""The chance row: the best constant per task, fitted by hand-checkable rules."""

import pytest
import torch

from tests.tools.tool_module import load_tool

constant_baseline = load_tool('analysis/constant_baseline.py')

KINDS = {'seg': 'segmentation', 'depth': 'depth', 'normal': 'normal', 'edge': 'dense', 'label': 'class',
         'value': 'value'}


def _sample(seg, depth, normal, edge, label, value):
    return {'data_samples': {'seg': torch.tensor(seg).reshape(1, 2), 'depth': torch.tensor(depth).reshape(1, 2),
                             'normal': torch.tensor(normal).reshape(3, 1, 1), 'edge': torch.tensor(edge).reshape(1, 2),
                             'label': torch.tensor(label), 'value': torch.tensor(value)}}


def test_each_kind_gets_the_constant_its_metric_prefers():
    data = [_sample([1, 255], [0.0, 2.0], [1.0, 0.0, 0.0], [0.0, 1.0], 3, 1.0),
            _sample([1, 2], [4.0, 9.0], [0.0, 1.0, 0.0], [0.0, 0.0], 3, 2.0),
            _sample([2, 1], [0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0], 5, 6.0)]
    constants = constant_baseline.fit_constants(data, KINDS, {t: t for t in KINDS}, num=10)
    assert int(constants['seg']) == 1 and int(constants['label']) == 3      # most frequent, ignoring 255
    assert constants['depth'].item() == 4.0                                 # median of 2, 4, 9 (zeros invalid)
    assert constants['edge'].item() == 0.0                                  # median of a sparse map, not its mean
    assert constants['value'].item() == pytest.approx(3.0)                  # mean of 1, 2, 6
    assert constants['normal'].flatten().tolist() == pytest.approx([2 / 5 ** 0.5, 1 / 5 ** 0.5, 0.0])


def test_the_median_beats_the_mean_under_the_absolute_error_of_a_sparse_map():
    edge = torch.tensor([0.0, 0.0, 0.0, 1.0])
    constants = constant_baseline.fit_constants([{'data_samples': {'edge': edge.reshape(1, 4)}}],
                                                {'edge': 'dense'}, {'edge': 'edge'}, num=1)
    median_error = (edge - constants['edge']).abs().mean()
    assert median_error == pytest.approx(0.25) and median_error < (edge - edge.mean()).abs().mean()  # 0.25 < 0.375
