"""The single-task baseline: one backbone per task, its parameter counts, and no per-task backbone inside it."""
import pytest
import torch

from mtlreg.models import MultiTaskModel
from tests.models.seg_depth import BACKBONE, _batch, _tasks


def test_single_task_baseline_has_one_backbone_per_task_and_counts_parameters():
    shared = MultiTaskModel(BACKBONE, _tasks())
    separate = MultiTaskModel(dict(type='PerTaskBackbone', backbone=BACKBONE), _tasks())
    backbone = sum(p.numel() for p in shared.backbone.parameters())
    heads = {t: sum(p.numel() for p in shared.heads[t].parameters()) for t in ('seg', 'depth')}
    single = 2 * backbone + sum(heads.values())
    assert shared.parameter_counts() == {'total': backbone + sum(heads.values()),
                                         'task/seg': backbone + heads['seg'], 'task/depth': backbone + heads['depth'],
                                         'single_task_total': single,
                                         'ratio_to_single_task': (backbone + sum(heads.values())) / single}
    counts = separate.parameter_counts()
    assert counts['total'] == counts['single_task_total'] == single
    assert counts['ratio_to_single_task'] == 1.0
    inputs, labels = _batch()
    separate(inputs, labels, mode='loss')['loss'].backward()
    assert separate.backbone.backbones['seg'].blocks[0].conv1.weight.grad is not None
    assert separate.backbone.backbones['depth'].blocks[0].conv1.weight.grad is not None
    assert separate.shared_parameters() == []
    features = separate.extract_features(inputs, ['depth'])
    torch.testing.assert_close(features['depth'], separate.backbone.backbones['depth'](inputs))


def test_per_task_backbone_refuses_a_backbone_that_is_per_task_already():
    from mtlreg.utils.errors import ConfigError
    with pytest.raises(ConfigError, match='model.backbone.backbone'):
        MultiTaskModel(dict(type='PerTaskBackbone', backbone=dict(type='MTANResNet', width_multiplier=0.125)),
                       _tasks())
