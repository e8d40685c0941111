import pytest
from mmengine.registry import DefaultScope
from mmengine.registry import MODELS as MMENGINE_MODELS

from mtlreg.registry import ALL_REGISTRIES, BACKBONES, BALANCERS, HEADS, LOSSES, MODELS, POLICIES
from mtlreg.utils import MtlRegistry


def test_each_category_lists_only_its_own_members():
    assert 'DilatedResNet' in BACKBONES.module_dict and 'DilatedResNet' not in HEADS.module_dict
    assert 'CrossEntropyLoss' in LOSSES.module_dict and 'CrossEntropyLoss' not in BACKBONES.module_dict
    assert 'StaticBalancer' in BALANCERS.module_dict
    assert 'SharedBottomPolicy' in POLICIES.module_dict
    assert 'MultiTaskModel' in MODELS.module_dict


def test_type_resolves_under_the_default_scope():
    with DefaultScope.overwrite_default_scope('mtlreg'):
        assert type(LOSSES.build(dict(type='MaskedL1Loss'))).__name__ == 'MaskedL1Loss'
        assert type(LOSSES.build(dict(type='mtlreg.MaskedL1Loss'))).__name__ == 'MaskedL1Loss'
        # MMEngine's root finds mtlreg's model registry through the scope
        assert MMENGINE_MODELS._search_child('mtlreg') is MODELS


def test_mmengine_facing_registries_are_children_of_mmengine():
    for name in ('models', 'datasets', 'transforms', 'metrics', 'hooks', 'loops', 'optim_wrappers',
                 'param_schedulers', 'vis_backends', 'visualizers', 'data_samplers', 'model_wrappers'):
        registry = ALL_REGISTRIES[name]
        assert registry.parent is not None and registry.scope == 'mtlreg', name


def test_unknown_type_error_names_the_type_and_registry():
    with DefaultScope.overwrite_default_scope('mtlreg'):
        with pytest.raises(KeyError, match='NoSuchLoss is not in the mtlreg::loss registry'):
            LOSSES.build(dict(type='NoSuchLoss'))


def test_duplicate_name_names_both_modules():
    registry = MtlRegistry('thing')

    @registry.register_module(name='Same')
    class First:
        pass

    class Second:
        pass

    with pytest.raises(KeyError, match=r"'Same' is already registered.*First.*Second"):
        registry.register_module(name='Same', module=Second)
    registry.register_module(name='Same', module=First)  # re-registering the same class is harmless
