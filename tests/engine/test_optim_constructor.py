"""One optimiser wrapper per parameter group: each holds exactly its parameters; a bad entry is named."""
import pytest
import torch

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tiny import tiny_staged_cfg


def test_each_optimiser_wrapper_holds_exactly_its_parameter_group(tmp_path):
    runner = MultiTaskRunner.from_cfg(tiny_staged_cfg(tmp_path))
    wrappers = runner.build_optim_wrapper(runner.cfg.optim_wrapper)
    owned = {name: {id(p) for g in w.optimizer.param_groups for p in g['params']}
             for name, w in wrappers.optim_wrappers.items()}
    logits = {id(runner.model.policy.logits)}
    everything = {id(p) for p in runner.model.parameters()}
    assert owned['arch'] == logits
    for name in ('warmup', 'weights', 'retrain'):
        assert owned[name] == everything - logits
    assert isinstance(wrappers['weights'].optimizer, torch.optim.SGD)
    assert wrappers['weights'].optimizer.param_groups[0]['momentum'] == 0.9
    assert isinstance(wrappers['arch'].optimizer, torch.optim.Adam)
    assert wrappers['arch'].optimizer.param_groups[0]['weight_decay'] == 5e-4


def test_optim_wrapper_constructor_errors_name_the_entry():
    from mtlreg.engine.optim_constructor import ArchitectureOptimWrapperConstructor
    with pytest.raises(ValueError, match=r'optim_wrapper\.arch: expected a dict with an "optimizer"'):
        ArchitectureOptimWrapperConstructor(dict(arch=dict(lr=0.1)))
    with pytest.raises(ValueError, match=r"optim_wrapper\.w\.params: expected one of"):
        ArchitectureOptimWrapperConstructor(dict(w=dict(optimizer=dict(type='SGD', lr=0.1), params='heads')))


def test_lr_mult_puts_each_prefix_in_a_group_at_its_scaled_rate(tmp_path):
    from mtlreg.engine.optim_constructor import ArchitectureOptimWrapperConstructor
    runner = MultiTaskRunner.from_cfg(tiny_staged_cfg(tmp_path))
    model = runner.model
    built = ArchitectureOptimWrapperConstructor(dict(
        weights=dict(optimizer=dict(type='Adam', lr=1e-3), lr_mult=dict(backbone=0.01))))(model)
    groups = built['weights'].optimizer.param_groups
    backbone = {id(p) for p in model.backbone.parameters()}
    assert {id(p) for p in groups[0]['params']} == backbone and groups[0]['lr'] == pytest.approx(1e-5)
    rest = {id(p) for p in model.weight_parameters()} - backbone
    assert {id(p) for p in groups[1]['params']} == rest and groups[1]['lr'] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match=r"optim_wrapper\.weights\.lr_mult: no parameter .* \['encoder'\]"):
        ArchitectureOptimWrapperConstructor(dict(
            weights=dict(optimizer=dict(type='Adam', lr=1e-3), lr_mult=dict(encoder=0.1))))(model)
    with pytest.raises(ValueError, match=r'optim_wrapper\.weights\.lr_mult: expected a dict'):
        ArchitectureOptimWrapperConstructor(dict(weights=dict(optimizer=dict(type='Adam', lr=1e-3), lr_mult=0.1)))
