"""Compact execution of reduced DAG sub-networks: exact outputs, shared states, dropped links."""
import pytest
import torch

from mtlreg.models.compact import compile_model, load_compact_model, save_compact_model
from mtlreg.models import MultiTaskModel
from mtlreg.registry import register_all_modules
from tests.models.compact.exactness import assert_compact_matches_supernet

register_all_modules()

TASKS = {t: dict(head=dict(type='DenseRegressionHead', channels=4), loss=dict(type='MaskedL1Loss')) for t in 'abc'}
BACKBONE = dict(type='DAGNetwork', states=[(4, 1), (4, 1), (8, 2), (8, 2), (8, 4)], flow_constant=2)


def _mask(*links):
    m = torch.zeros(7, 7, dtype=torch.bool)
    for i, j in links:
        m[i, j] = True
    return m


CHAIN = _mask((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6))
MASKS = {
    # a and b share states 1–3; c reads in at state 3 and exits early; a's state 4 also reads the input
    'shared prefix, early exit, skip': torch.stack([
        _mask((0, 1), (1, 2), (2, 3), (1, 3), (3, 4), (0, 4), (4, 5), (5, 6), (3, 6)),
        _mask((0, 1), (1, 2), (2, 3), (1, 3), (3, 5), (5, 6)),
        _mask((0, 3), (3, 6))]),
    'identical sub-networks': torch.stack([CHAIN] * 3),
    'a state without inputs feeding an edge': torch.stack([
        _mask((0, 1), (1, 3), (2, 3), (3, 6)), CHAIN, _mask((0, 2), (2, 6))]),
}


def _model(mask):
    torch.manual_seed(0)
    model = MultiTaskModel(backbone=BACKBONE, tasks=TASKS, policy=dict(type='DAGPolicy'))
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    model.policy.fix(mask)
    return model.eval()


@pytest.mark.parametrize('case', list(MASKS))
def test_compact_outputs_equal_the_gated_supernet(case):
    assert_compact_matches_supernet(_model(MASKS[case]), torch.randn(2, 3, 16, 16))


def test_identical_states_are_computed_once_and_unused_links_dropped():
    compact = compile_model(_model(MASKS['shared prefix, early exit, skip']))
    backbone = compact.backbone
    labels = [backbone.node_label(n) for n in range(len(backbone.nodes))]
    assert labels.count('v1<in') == 1 and labels.count('v2<v1') == 1   # a and b share states 1 and 2
    assert sorted(backbone.edges) == ['1_2', '1_3', '2_3', '3_4', '3_5', '4_5']
    assert sorted(backbone.read_in) == ['1', '3', '4'] and sorted(backbone.read_out) == ['3', '5']
    calls = []
    for key, module in backbone.edges.items():
        module.register_forward_hook(lambda m, i, o, key=key: calls.append(key))
    with torch.no_grad():
        compact(torch.randn(1, 3, 16, 16))
    assert calls.count('1_2') == 1 and calls.count('2_3') == 1
    assert len(compile_model(_model(MASKS['identical sub-networks'])).backbone.nodes) == 5


def test_round_trip_and_torch_export(tmp_path):
    model = _model(MASKS['shared prefix, early exit, skip'])
    save_compact_model(model, str(tmp_path), dict(backbone=BACKBONE, tasks=TASKS))
    loaded = load_compact_model(str(tmp_path))
    x = torch.randn(2, 3, 16, 16)
    exported = torch.export.export(loaded, (x,)).module()
    with torch.no_grad():
        expected = model.task_outputs(x)
        got, again = loaded(x), exported(x)
    for task in TASKS:
        torch.testing.assert_close(got[task], expected[task], rtol=0, atol=1e-5)
        torch.testing.assert_close(again[task], expected[task], rtol=0, atol=1e-5)
