import pytest
import torch
from torch import nn

from mtlreg.engine import ArchitectureOptimWrapperConstructor, ArchitectureParamGroupConstructor
from mtlreg.engine.arch_param_group_constructor import arch_param_groups


class _Model(nn.Module):
    task_names = ['a', 'b', 'c']

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(2, 2)
        self.policy = nn.Module()
        self.policy.logits = nn.Parameter(torch.zeros(3, 2))

    def arch_parameters(self):
        return [self.policy.logits]

    def weight_parameters(self):
        return list(self.body.parameters())


class _Wrapper(nn.Module):
    """Stands in for a distributed wrapper: the model is its ``module``."""

    def __init__(self, model):
        super().__init__()
        self.module = model


def _groups(paramwise_cfg=None, wrap=False):
    constructor = ArchitectureParamGroupConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.01, weight_decay=1e-3)), paramwise_cfg)
    wrapper = constructor(_Wrapper(_Model()) if wrap else _Model())
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


def test_a_wrapped_model_gets_the_same_groups():
    plain, wrapped = _groups(), _groups(wrap=True)
    assert {k: {o: v for o, v in g.items() if o != 'params'} for k, g in plain.items()} == \
        {k: {o: v for o, v in g.items() if o != 'params'} for k, g in wrapped.items()}
    assert wrapped[(3, 2)]['lr'] == pytest.approx(0.03) and wrapped[(3, 2)]['weight_decay'] == 0.0


def test_every_parameter_has_a_group_in_the_models_order_the_logits_with_their_multipliers():
    model = _Model()
    wrapper = ArchitectureParamGroupConstructor(dict(optimizer=dict(type='Adam', lr=0.01)))(model)
    groups = wrapper.optimizer.param_groups
    assert [g['params'] for g in groups] == [[p] for p in model.parameters()]
    assert {k: groups[-1][k] for k in ('lr', 'lr_mult', 'decay_mult')} == dict(lr=pytest.approx(0.03), lr_mult=3,
                                                                              decay_mult=0.0)


def test_arch_overrides_make_a_second_group_of_the_same_optimiser():
    model = _Model()
    wrappers = ArchitectureOptimWrapperConstructor(dict(
        search=dict(params='all', optimizer=dict(type='Adam', lr=1e-4), arch_overrides=dict(lr=0.01))))(model)
    weights, arch = wrappers['search'].optimizer.param_groups
    assert weights['params'] == list(model.body.parameters()) and weights['lr'] == 1e-4
    assert arch['params'] == [model.policy.logits] and arch['lr'] == 0.01
    assert [dict(g, params=None) for g in arch_param_groups(model, dict(lr=0.01))] == \
        [dict(params=None), dict(params=None, lr=0.01)]
