import pytest
import torch
from torch import nn

from mtlreg.engine import ArchitectureParamGroupConstructor


class _Model(nn.Module):
    task_names = ['a', 'b', 'c']

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(2, 2)
        self.policy = nn.Module()
        self.policy.logits = nn.Parameter(torch.zeros(3, 2))

    def arch_parameters(self):
        return [self.policy.logits]


def _groups(paramwise_cfg=None):
    constructor = ArchitectureParamGroupConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.01, weight_decay=1e-3)), paramwise_cfg)
    wrapper = constructor(_Model())
    return {tuple(p.shape): g for g in wrapper.optimizer.param_groups for p in g['params']}


def test_logits_get_num_tasks_times_the_lr_and_no_decay_by_default():
    groups = _groups()
    assert groups[(3, 2)]['lr'] == pytest.approx(0.03) and groups[(3, 2)]['weight_decay'] == 0.0
    assert groups[(2, 2)]['lr'] == pytest.approx(0.01) and groups[(2, 2)]['weight_decay'] == pytest.approx(1e-3)


def test_a_number_and_other_paramwise_options_apply():
    groups = _groups(dict(arch_lr_mult=2, arch_decay_mult=1.0, bias_decay_mult=0.0))
    assert groups[(3, 2)]['lr'] == pytest.approx(0.02) and groups[(3, 2)]['weight_decay'] == pytest.approx(1e-3)
    assert groups[(2,)]['weight_decay'] == 0.0  # the bias
    with pytest.raises(ValueError, match='arch_lr_mult'):
        ArchitectureParamGroupConstructor(dict(optimizer=dict(type='Adam', lr=0.01)), dict(arch_lr_mult='tasks'))
