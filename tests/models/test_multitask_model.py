import pytest
import torch

from mtlreg.models import MultiTaskModel

BACKBONE = dict(type='DilatedResNet', depth=18, width_multiplier=0.125)


def _tasks():
    return dict(
        seg=dict(head=dict(type='SegmentationHead', out_channels=3, channels=8), loss=dict(type='CrossEntropyLoss'),
                 weight=2.0),
        depth=dict(head=dict(type='DenseRegressionHead', channels=8), loss=dict(type='MaskedL1Loss'), weight=0.5),
    )


def _batch(n=2, size=16):
    torch.manual_seed(0)
    return torch.randn(n, 3, size, size), {'seg': torch.randint(0, 3, (n, size, size)),
                                           'depth': torch.rand(n, 1, size, size)}


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


def test_single_task_baseline_has_one_backbone_per_task_and_counts_parameters():
    shared = MultiTaskModel(BACKBONE, _tasks())
    separate = MultiTaskModel(BACKBONE, _tasks(), backbone_per_task=True)
    backbone = sum(p.numel() for p in shared.backbone.parameters())
    heads = {t: sum(p.numel() for p in shared.heads[t].parameters()) for t in ('seg', 'depth')}
    assert shared.parameter_counts() == {'total': backbone + sum(heads.values()),
                                         'task/seg': backbone + heads['seg'], 'task/depth': backbone + heads['depth']}
    counts = separate.parameter_counts()
    assert counts['total'] == 2 * backbone + sum(heads.values())
    inputs, labels = _batch()
    separate(inputs, labels, mode='loss')['loss'].backward()
    assert separate.backbones['seg'].blocks[0].conv1.weight.grad is not None


def test_parameter_counts_drop_units_no_task_uses():
    mask = [[1, 1, 0, 1, 1, 1, 1, 1], [1, 1, 0, 1, 1, 1, 1, 0]]
    model = MultiTaskModel(BACKBONE, _tasks(), policy=dict(type='FixedMaskPolicy', mask=mask))
    unit = lambda i: sum(p.numel() for p in model.backbone.blocks[i].parameters())  # noqa: E731
    counts = model.parameter_counts()
    backbone = sum(p.numel() for p in model.backbone.parameters())
    heads = sum(p.numel() for p in model.heads.parameters())
    assert counts['total'] == backbone - unit(2) + heads
    assert counts['task/depth'] == backbone - unit(2) - unit(7) + sum(p.numel() for p in model.heads['depth'].parameters())


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
