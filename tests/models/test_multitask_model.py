"""The multi-task model: weighted losses, per-task batches, predictions, parameter counts, shared backbone passes."""
import pytest
import torch

from mtlreg.models import MultiTaskModel
from tests.models.seg_depth import BACKBONE, _batch, _tasks


def test_loss_is_the_weighted_sum_of_task_losses():
    model = MultiTaskModel(BACKBONE, _tasks())
    inputs, labels = _batch()
    losses = model(inputs, labels, mode='loss')
    expected = 2.0 * losses['loss_seg'] + 0.5 * losses['loss_depth']
    torch.testing.assert_close(losses['loss'].detach(), expected)
    assert losses['weight_seg'].item() == 2.0
    losses['loss'].backward()
    assert model.backbone.blocks[0].conv1.weight.grad is not None


def test_per_task_batch_only_computes_present_tasks():
    model = MultiTaskModel(BACKBONE, _tasks())
    inputs, labels = _batch()
    losses = model(inputs, {'depth': labels['depth']}, mode='loss')
    assert 'loss_depth' in losses and 'loss_seg' not in losses
    torch.testing.assert_close(losses['loss'].detach(), 0.5 * losses['loss_depth'])
    with pytest.raises(KeyError, match=r"batch has labels \['normal'\]"):
        model(inputs, {'normal': labels['depth']}, mode='loss')


def test_predict_returns_one_dict_per_sample():
    model = MultiTaskModel(BACKBONE, _tasks()).eval()
    inputs, labels = _batch(n=3)
    out = model(inputs, labels, mode='predict')
    assert len(out) == 3
    assert out[0]['seg']['pred'].shape == (16, 16) and out[0]['seg']['pred'].dtype == torch.long
    assert out[1]['depth']['pred'].shape == (1, 16, 16)
    torch.testing.assert_close(out[2]['depth']['gt'], labels['depth'][2])


def test_parameter_counts_drop_units_no_task_uses():
    mask = [[1, 1, 0, 1, 1, 1, 1, 1], [1, 1, 0, 1, 1, 1, 1, 0]]
    model = MultiTaskModel(BACKBONE, _tasks(), policy=dict(type='FixedMaskPolicy', mask=mask))
    unit = lambda i: sum(p.numel() for p in model.backbone.blocks[i].parameters())  # noqa: E731
    # block 2 opens a stage: a task that skips it still runs its downsample projection
    shortcut = sum(p.numel() for p in model.backbone.blocks[2].downsample.parameters())
    assert shortcut > 0 and model.backbone.blocks[7].downsample is None
    counts = model.parameter_counts()
    backbone = sum(p.numel() for p in model.backbone.parameters())
    heads = sum(p.numel() for p in model.heads.parameters())
    assert counts['total'] == backbone - unit(2) + shortcut + heads
    assert counts['task/depth'] == (backbone - unit(2) + shortcut - unit(7)
                                    + sum(p.numel() for p in model.heads['depth'].parameters()))


def test_parameter_counts_equal_those_of_the_compact_export():
    from mtlreg.models.compact import compile_model
    mask = [[1, 1, 0, 1, 0, 1, 1, 1], [1, 1, 0, 1, 1, 1, 0, 0]]
    model = MultiTaskModel(BACKBONE, _tasks(), policy=dict(type='FixedMaskPolicy', mask=mask))
    compact = compile_model(model)
    counts = model.parameter_counts()
    assert counts['total'] == sum(p.numel() for p in compact.parameters())
    for task in model.task_names:
        assert counts[f'task/{task}'] == (compact.backbone.task_parameter_count(task)
                                          + sum(p.numel() for p in compact.heads[task].parameters()))


@pytest.mark.parametrize('tasks,match', [
    ({}, 'non-empty dict'),
    ({'seg': dict(loss=dict(type='CrossEntropyLoss'))}, r"tasks.seg: missing key 'head'"),
    ({'seg': dict(head=dict(type='SegmentationHead', out_channels=2), loss=dict(type='CrossEntropyLoss'),
                  wieght=1)}, r"tasks.seg: unknown keys \['wieght'\]"),
])
def test_bad_task_declarations_name_the_problem(tasks, match):
    with pytest.raises((KeyError, ValueError), match=match):
        MultiTaskModel(BACKBONE, tasks)


def test_unknown_type_names_the_type():
    with pytest.raises(KeyError, match='NoSuchBackbone'):
        MultiTaskModel(dict(type='NoSuchBackbone'), _tasks())


def test_policy_regularizers_join_the_objective_and_gates_reach_the_backbone():
    policy = dict(type='AdaSharePolicy', sparsity_weight=0.1, sharing_weight=0.2)
    model = MultiTaskModel(BACKBONE, _tasks(), policy=policy)
    inputs, labels = _batch()
    torch.manual_seed(0)
    losses = model(inputs, labels, mode='loss')
    expected = 2.0 * losses['loss_seg'] + 0.5 * losses['loss_depth'] + losses['reg_sparsity'] + losses['reg_sharing']
    torch.testing.assert_close(losses['loss'].detach(), expected)
    losses['loss'].backward()
    assert model.policy.logits.grad.abs().sum() > 0


def test_tasks_with_equal_constant_gates_share_one_backbone_pass():
    tasks = {t: dict(head=dict(type='DenseRegressionHead', channels=4), loss=dict(type='MaskedL1Loss'))
             for t in ('a', 'b', 'c', 'd')}
    mask = [[1] * 8, [1] * 8, [1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1, 0]]
    model = MultiTaskModel(BACKBONE, tasks, policy=dict(type='FixedMaskPolicy', mask=mask))
    model.compact_execution = False  # the gated passes (the compiled executor is tested in tests/models/compact)
    calls = []
    model.backbone.register_forward_hook(lambda module, args, out: calls.append(len(args)))
    inputs = torch.randn(2, 3, 32, 32)
    feats = model.extract_features(inputs, ['a', 'b', 'c', 'd'])
    assert calls == [1, 2]  # one plain pass for a and b, one gated pass for c and d
    assert feats['a'] is feats['b'] and feats['c'] is feats['d']
    torch.testing.assert_close(feats['c'], model.backbone(inputs, torch.tensor([1.0] * 7 + [0.0])))
    model.compact_execution = True  # the compiled executor: the backbone module itself is not called
    calls.clear()
    compact = model.extract_features(inputs, ['a', 'b', 'c', 'd'])
    assert calls == []
    for task in tasks:
        torch.testing.assert_close(compact[task], feats[task])


def test_parameter_counts_cover_only_the_links_a_task_keeps():
    tasks = dict(a=dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss')),
                 b=dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss')))
    model = MultiTaskModel(backbone=dict(type='DAGNetwork', states=[(2, 1)] * 4, flow_constant=2, in_channels=1),
                           tasks=tasks, policy=dict(type='DAGPolicy'))
    mask = torch.zeros(2, 6, 6, dtype=torch.bool)
    mask[0, 0, 1] = mask[0, 1, 2] = mask[0, 2, 5] = True     # a: in → 1 → 2 → out
    mask[1, 0, 1] = mask[1, 1, 5] = True                     # b: in → 1 → out
    model.policy.fix(mask)
    units = model.backbone.unit_parameter_counts()
    heads = {t: sum(p.numel() for p in model.heads[t].parameters()) for t in tasks}
    counts = model.parameter_counts()
    assert counts['task/a'] == int(units[mask[0]].sum()) + heads['a']
    assert counts['task/b'] == int(units[mask[1]].sum()) + heads['b']
    assert counts['total'] == int(units[mask.any(0)].sum()) + sum(heads.values())


def test_the_objective_adds_the_backbones_regularizers():
    torch.manual_seed(0)
    tasks = {t: dict(head=dict(type='DenseRegressionHead', channels=4, dropout=0.0), loss=dict(type='MaskedL1Loss'))
             for t in ('a', 'b')}
    model = MultiTaskModel(dict(type='DSelectKBackbone', expert=dict(type='DilatedResNet', width_multiplier=0.0625),
                                num_experts=3, k=2, entropy_weight=0.5), tasks)
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    log = model(**data, mode='loss')
    terms = model.backbone.regularizers()
    assert set(terms) == {'reg_entropy', 'reg_reachable'} and float(terms['reg_entropy']) > 0
    torch.testing.assert_close(log['loss'], log['loss_a'] + log['loss_b'] + terms['reg_entropy'] + terms['reg_reachable'])
    assert float(log['reg_entropy']) == float(terms['reg_entropy'])
