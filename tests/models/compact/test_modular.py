"""Compact execution of a Gumbel-Matrix allocation: exact outputs, no-component layers, shared evaluations."""
import pytest
import torch

from mtlreg.models.compact import compile_model, load_compact_model, save_compact_model
from mtlreg.models.compact.report import compact_report
from mtlreg.models import MultiTaskModel
from mtlreg.registry import register_all_modules
from tests.models.compact.exactness import assert_compact_matches_supernet

register_all_modules()

TASKS = {t: dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss'))
         for t in 'abcd'}
COMPONENTS = [dict(type='conv', kernel_size=3), dict(type='conv', kernel_size=5), dict(type='max_pool'),
              dict(type='identity')]
BACKBONE = dict(type='ModularNetwork', in_channels=1, stem_channels=4, norm_groups=2,
                layers=[dict(channels=4, stride=2, components=COMPONENTS),
                        dict(channels=4, stride=1, components=COMPONENTS),
                        dict(channels=8, stride=2, components=COMPONENTS)])
MASKS = {
    'a layer with no active component': [[[1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 1]],
                                         [[1, 1, 0, 0], [1, 0, 0, 1], [0, 1, 1, 0]],
                                         [[0, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]],
                                         [[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]]],
    'identical allocations': [[[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1]]] * 4,
    'disjoint allocations': [[[1, 0, 0, 0]] * 3, [[0, 1, 0, 0]] * 3, [[0, 0, 1, 0]] * 3, [[0, 0, 0, 1]] * 3],
}


def _model(mask):
    torch.manual_seed(0)
    return MultiTaskModel(backbone=BACKBONE, tasks=TASKS, policy=dict(type='FixedMaskPolicy', mask=mask)).eval()


@pytest.mark.parametrize('case', list(MASKS))
def test_compact_outputs_equal_the_gated_supernet(case):
    assert_compact_matches_supernet(_model(MASKS[case]), torch.randn(3, 1, 16, 16))


def test_components_no_task_uses_are_gone_and_shared_inputs_run_once():
    model = _model(MASKS['a layer with no active component'])
    compact = compile_model(model)
    keys = set(compact.backbone.components)
    assert 'l0c3' not in keys and {'l0c0', 'l0c1', 'l0c2'} <= keys
    calls = []
    for key, module in compact.backbone.components.items():
        module.register_forward_hook(lambda m, i, o, key=key: calls.append(key))
    with torch.no_grad():
        compact(torch.randn(1, 1, 16, 16))
    # layer 0: every task reads the stem's output, so each used component runs once
    assert [calls.count(f'l0c{j}') for j in range(3)] == [1, 1, 1]
    # layer 1: a and b share their layer-0 node (a uses nothing: component 0 gives the zeros their shape,
    # computed once with b's); c and d have nodes of their own
    assert [calls.count(f'l1c{j}') for j in range(4)] == [3, 2, 2, 3]
    shared = _model(MASKS['identical allocations'])
    identical = compile_model(shared)
    assert len(identical.backbone.nodes) == 3
    assert sum(p.numel() for p in identical.parameters()) < sum(p.numel() for p in shared.parameters())


def test_report_and_round_trip(tmp_path):
    model = _model(MASKS['disjoint allocations'])
    save_compact_model(model, str(tmp_path), dict(backbone=BACKBONE, tasks=TASKS))
    loaded = load_compact_model(str(tmp_path))
    x = torch.randn(2, 1, 16, 16)
    with torch.no_grad():
        expected = model.task_outputs(x)
        got = loaded(x)
    for task in TASKS:
        torch.testing.assert_close(got[task], expected[task], rtol=0, atol=1e-5)
    report = compact_report(model, compile_model(model), (1, 16, 16))
    flops = report['flops']
    stem = 2 * 16 * 16 * 4 * 1 + 0  # the 1×1 stem (no bias counted): run once instead of four times
    assert flops['sum_of_tasks'] - flops['multi_task_forward'] == 3 * stem
    assert report['flops']['multi_task_forward'] < report['flops']['supernet_one_pass_per_task'] * 1.0001
    assert report['parameters']['total'] == sum(p.numel() for p in model.parameters())  # every component used
