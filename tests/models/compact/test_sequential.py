"""Compact execution of an AdaShare policy: exact outputs, dropped units, shared prefixes, partial forward, I/O."""
import pytest
import torch

from mtlreg.models.compact import compile_model, load_compact_model, save_compact_model
from mtlreg.models import MultiTaskModel
from mtlreg.registry import register_all_modules
from tests.models.compact.exactness import assert_compact_matches_supernet

register_all_modules()

TASKS = {t: dict(head=dict(type='DenseRegressionHead', channels=4), loss=dict(type='MaskedL1Loss')) for t in 'abcd'}
BACKBONE = dict(type='DilatedResNet', depth=18, width_multiplier=0.125)
# blocks 2 and 3 form ResNet-18's second stage (block 2 has the strided projection)
MASKS = {
    'a stage skipped entirely': [[1] * 8, [1, 1, 0, 0, 1, 1, 1, 1], [1] * 8, [0, 1, 1, 0, 1, 0, 1, 0]],
    'identical paths': [[1, 0, 1, 1, 0, 1, 1, 0]] * 4,
    'disjoint paths': [[1, 0, 1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1, 0, 1], [1, 1, 0, 0, 1, 1, 0, 0],
                       [0, 0, 1, 1, 0, 0, 1, 1]],
    'nothing executed': [[0] * 8] * 4,
}


def _model(mask):
    torch.manual_seed(0)
    model = MultiTaskModel(backbone=BACKBONE, tasks=TASKS, policy=dict(type='FixedMaskPolicy', mask=mask))
    for module in model.modules():  # non-trivial batch-norm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.mark.parametrize('case', list(MASKS))
def test_compact_outputs_equal_the_gated_supernet(case):
    assert_compact_matches_supernet(_model(MASKS[case]), torch.randn(2, 3, 32, 32))


def test_units_no_task_uses_are_gone_and_shared_prefixes_are_one_node():
    model = _model(MASKS['a stage skipped entirely'])
    compact = compile_model(model)
    keys = set(compact.backbone.units)
    assert 'block0' in keys and 'skip0' in keys   # task d skips block 0: its projection stays
    assert 'skip2' in keys and 'block3' in keys   # task b skips the projecting block 2: its projection runs
    assert not any(k.startswith('backbone.units.block') and k.split('.')[2] not in keys
                   for k in compact.state_dict())
    identical = compile_model(_model(MASKS['identical paths']))
    assert len(identical.backbone.nodes) == 8 and len(set(identical.backbone.leaves.values())) == 1
    unused = {'block1', 'block4', 'block7'}
    assert not unused & set(identical.backbone.units)
    assert sum(p.numel() for p in identical.parameters()) < sum(p.numel() for p in model.parameters())


def test_forward_for_some_tasks_runs_only_their_units():
    model = _model(MASKS['disjoint paths'])
    compact = compile_model(model)
    ran = []
    for key, unit in compact.backbone.units.items():
        unit.register_forward_hook(lambda m, i, o, key=key: ran.append(key))
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        only_b = compact(x, tasks=['b'])
    assert set(only_b) == {'b'}
    assert set(ran) == set(compact.backbone.task_units('b'))
    with torch.no_grad():
        torch.testing.assert_close(only_b['b'], model.task_outputs(x)['b'], rtol=0, atol=1e-5)
    with pytest.raises(KeyError, match="unknown tasks \\['e'\\]"):
        compact(x, tasks=['e'])


def test_saved_compact_model_loads_without_the_training_machinery(tmp_path):
    model = _model(MASKS['a stage skipped entirely'])
    save_compact_model(model, str(tmp_path), dict(backbone=BACKBONE, tasks=TASKS))
    loaded = load_compact_model(str(tmp_path))
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = compile_model(model)(x)
        got = loaded(x)
    for task in TASKS:
        torch.testing.assert_close(got[task], expected[task], rtol=0, atol=0)
    with pytest.raises(FileNotFoundError, match='compact.json'):
        load_compact_model(str(tmp_path / 'missing'))


def test_torch_export_gives_the_same_outputs():
    compact = compile_model(_model(MASKS['a stage skipped entirely']))
    x = torch.randn(2, 3, 32, 32)
    exported = torch.export.export(compact, (x,))
    with torch.no_grad():
        expected, got = compact(x), exported.module()(x)
    for task in TASKS:
        torch.testing.assert_close(got[task], expected[task], rtol=0, atol=1e-6)


def test_backbones_without_a_compact_description_are_named():
    model = MultiTaskModel(backbone=dict(type='VGG16BN', width_multiplier=0.125), tasks=TASKS)
    with pytest.raises(NotImplementedError, match='VGG16BN'):
        compile_model(model)


def test_export_tool_writes_the_compact_model_the_export_and_the_report(tmp_path):
    import json
    import os

    from mmengine.config import Config

    from tests.tools.tool_module import REPO, load_tool
    export_tool = load_tool('export.py')
    config = os.path.join(REPO, 'configs', 'adashare', 'adashare_resnet18_scenes-5task.py')
    cfg = Config.fromfile(config)
    cfg.model.backbone.width_multiplier = 0.125
    mask = torch.tensor([[1] * 8, [1, 1, 0, 0, 1, 1, 1, 1], [1] * 8, [1] * 7 + [0], [1] * 7 + [0]], dtype=torch.bool)
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.registry import MODELS
    model = MODELS.build(resolve_task_config(cfg).model)
    model.policy.fix(mask)
    checkpoint = tmp_path / 'trained.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    out = tmp_path / 'compact'
    export_tool.main([config, str(checkpoint), '--out', str(out), '--input-shape', '3', '32', '32',
                      '--trust-checkpoint', '--cfg-options', 'model.backbone.width_multiplier=0.125'])
    report = json.loads((out / 'report.json').read_text())
    assert report['max_abs_difference_to_supernet'] <= 1e-5
    flops = report['flops']
    # seg, normal share the full path; edge and keypoint share one that skips the last block: computed once
    assert flops['multi_task_forward'] < flops['sum_of_tasks'] < flops['supernet_one_pass_per_task'] * 1.0001
    assert report['parameters']['task/depth'] < report['parameters']['task/seg']
    assert [row['tasks'] for row in report['sharing']][0] == ['seg', 'depth', 'normal', 'edge', 'keypoint']
    assert (out / 'sharing_tree.png').is_file() and (out / 'exported.pt2').is_file()
    assert report['max_abs_difference_onnxruntime'] <= 1e-4
    loaded = torch.export.load(str(out / 'exported.pt2')).module()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        expected = load_compact_model(str(out))(x)
        got = loaded(x)
    for task, value in expected.items():
        torch.testing.assert_close(got[task], value, rtol=0, atol=1e-5)


@pytest.mark.parametrize('kind', ['sequential', 'modular', 'dag'])
def test_training_a_fixed_policy_through_the_compact_executor_gives_the_gated_gradients(kind):
    from tests.models.compact.test_dag import MASKS as DAG_MASKS
    from tests.models.compact.test_dag import _model as dag_model
    from tests.models.compact.test_modular import MASKS as MODULAR_MASKS
    from tests.models.compact.test_modular import _model as modular_model
    build, mask, shape = {'sequential': (_model, MASKS['a stage skipped entirely'], (3, 32, 32)),
                          'modular': (modular_model, MODULAR_MASKS['a layer with no active component'], (1, 16, 16)),
                          'dag': (dag_model, DAG_MASKS['shared prefix, early exit, skip'], (3, 16, 16))}[kind]
    x = torch.randn(4, *shape)
    grads = {}
    for compact in (True, False):
        model = build(mask).train()
        model.compact_execution = compact
        executor, calls = model.backbone.compact_executor(model.policy), []
        executor.register_forward_hook(lambda *args: calls.append(1))
        outputs = model.task_outputs(x)
        assert bool(calls) == compact  # the flag switches between the compiled network and gated passes
        sum(o.float().pow(2).mean() for o in outputs.values()).backward()
        grads[compact] = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    assert grads[True].keys() == grads[False].keys() and grads[True]
    for name, grad in grads[True].items():
        torch.testing.assert_close(grad, grads[False][name], rtol=1e-4, atol=1e-6, msg=name)
