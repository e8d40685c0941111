"""FLOPs per task: a skipped block saves exactly its FLOPs; the multi-task forward counts the shared backbone once."""
import torch

from mtlreg.models import MultiTaskModel
from mtlreg.models.complexity import multitask_flops, task_flops


def test_flops_per_task_drop_by_exactly_the_skipped_block():
    tasks = dict(seg=dict(head=dict(type='SegmentationHead', out_channels=2, channels=4),
                          loss=dict(type='CrossEntropyLoss')),
                 depth=dict(head=dict(type='DenseRegressionHead', channels=4), loss=dict(type='MaskedL1Loss')))
    mask = [[1] * 8, [1, 0, 1, 1, 1, 1, 1, 1]]
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks,
                           policy=dict(type='FixedMaskPolicy', mask=mask))
    flops = task_flops(model, (3, 32, 32))
    heads = {t: sum(p.numel() for p in model.heads[t].parameters()) for t in tasks}
    assert heads['seg'] > heads['depth']  # so the head difference below is not zero
    block = model.backbone.blocks[1]
    # block 1: two 3×3 convs, 8 → 8 channels, on the 8×8 map of a 32×32 input; a multiply-add is 2 FLOPs
    skipped = 2 * 2 * (8 * 8) * (3 * 3 * 8 * 8)
    assert block.conv1.in_channels == block.conv2.out_channels == 8
    head_difference = task_flops(MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks),
                                 (3, 32, 32))
    assert flops['seg'] - flops['depth'] == head_difference['seg'] - head_difference['depth'] + skipped


def test_multitask_flops_count_the_shared_backbone_once():
    head = dict(type='DenseRegressionHead', channels=4)
    tasks = {t: dict(head=head, loss=dict(type='MaskedL1Loss')) for t in ('a', 'b', 'c')}
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks)
    per_task = task_flops(model, (3, 32, 32))
    # the three heads are identical, so backbone + 3 heads = one task's forward + 2 heads
    one_head = _head_flops(model.heads['a'])  # on the 64-channel 4×4 feature map of a 32×32 input
    assert 0 < one_head < per_task['a']
    assert multitask_flops(model, (3, 32, 32)) == per_task['a'] + 2 * one_head
    separate = MultiTaskModel(dict(type='PerTaskBackbone', backbone=dict(type='DilatedResNet', width_multiplier=0.125)),
                              tasks)
    assert multitask_flops(separate, (3, 32, 32)) == sum(task_flops(separate, (3, 32, 32)).values())


def _head_flops(head):
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        head.eval()(torch.zeros(1, 64, 4, 4), (32, 32))
    return counter.get_total_flops()
