"""Policy modes (search, warmup, fixed), fixing a discrete mask, and policy files."""
import pytest
import torch

from mtlreg.models import MultiTaskModel
from mtlreg.models.complexity import multitask_flops, task_flops
from mtlreg.models.policies import AdaSharePolicy, FixedMaskPolicy
from mtlreg.structures.policy_file import save_policy


def _policy():
    policy = AdaSharePolicy(['a', 'b'], (3,), sparsity_weight=0.1, sharing_weight=0.1)
    with torch.no_grad():
        policy.logits[..., 0] = torch.tensor([[2.0, -2.0, 2.0], [2.0, 2.0, -2.0]])
        policy.logits[..., 1] = 0.0
    return policy


def test_warmup_runs_every_unit_without_regularisers():
    policy = _policy().train()
    assert policy.mode == 'search' and policy.gates('a') is not None and policy.regularizers()
    policy.set_mode('warmup')
    assert policy.gates('a') is None and policy.gates('b') is None
    assert policy.regularizers() == {}


def test_fixed_mask_overrides_the_learned_gates_and_keeps_state_dict_keys():
    policy = _policy().train()
    keys = set(policy.state_dict())
    policy.fix(torch.tensor([[1, 0, 1], [1, 1, 1]]))
    assert policy.mode == 'fixed' and set(policy.state_dict()) == keys
    assert policy.gates('a').tolist() == [1.0, 0.0, 1.0]
    assert policy.gates('b') is None  # every unit on: the task shares the plain pass
    assert policy.regularizers() == {}
    assert policy.discretize(mode='sample', seed=1).tolist() == [[True, False, True], [True, True, True]]
    assert policy.probabilities().tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    # the mode and mask travel with the state dict
    other = _policy()
    other.load_state_dict(policy.state_dict())
    assert other.mode == 'fixed' and torch.equal(other.fixed_mask, policy.fixed_mask)


def test_fix_and_set_mode_reject_bad_input():
    policy = _policy()
    with pytest.raises(ValueError, match=r'mask has shape \(3,\), expected \(2, 3\)'):
        policy.fix(torch.ones(3))
    with pytest.raises(ValueError, match="mode must be one of"):
        policy.set_mode('frozen')


def test_policy_file_round_trip_into_a_fixed_policy(tmp_path):
    path = str(tmp_path / 'policy.json')
    mask = [[1, 0, 1], [0, 1, 1]]
    save_policy(path, ['a', 'b'], mask, probabilities=[[0.9, 0.1, 0.8], [0.2, 0.7, 0.6]], units=None, seed=3)
    fixed = FixedMaskPolicy(['a', 'b'], (3,), mask_file=path)
    assert fixed.discretize().int().tolist() == mask
    with pytest.raises(KeyError, match=r"no entry for tasks \['c'\]"):
        FixedMaskPolicy(['a', 'b', 'c'], (3,), mask_file=path)
    with pytest.raises(FileNotFoundError, match='policy file not found'):
        FixedMaskPolicy(['a'], (3,), mask_file=str(tmp_path / 'missing.json'))
    with pytest.raises(ValueError, match='exactly one of mask and mask_file'):
        FixedMaskPolicy(['a'], (3,))


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
