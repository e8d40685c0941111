"""Configs are validated before anything runs; every error names the key and what was expected."""
import pytest
from mmengine.config import Config

from mtlreg.engine.config_validation import check_option_keys, validate_config
from mtlreg.utils.errors import ConfigError

CONFIG = 'configs/adashare/adashare_resnet18_scenes-5task.py'
BASELINE = 'configs/baselines/shared_bottom_resnet18_scenes-5task.py'


@pytest.fixture(scope='module')
def staged():
    return Config.fromfile(CONFIG)


@pytest.fixture(scope='module')
def baseline():
    return Config.fromfile(BASELINE)


def _fails(cfg, options, *fragments):
    cfg = Config(cfg.to_dict())  # a copy
    cfg.merge_from_dict(options)
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    for fragment in fragments:
        assert fragment in '\n'.join(info.value.lines()), info.value.lines()


def test_every_shipped_config_validates():
    import glob
    for path in glob.glob('configs/**/*.py', recursive=True):
        if '/_base_/' not in path:
            validate_config(Config.fromfile(path))


def test_unknown_top_level_keys_are_refused_with_a_did_you_mean(baseline):
    _fails(baseline, {'trian_cfg': dict(max_iters=3)}, 'trian_cfg: unknown top-level key', "did you mean 'train_cfg'")
    _fails(baseline, {'my_value': 3}, 'my_value', "custom_keys = dict(my_value=")
    cfg = Config(baseline.to_dict())
    cfg.merge_from_dict({'my_value': 3, 'custom_keys': dict(my_value='a setting of my plugin'), '_helper': 1})
    validate_config(cfg)


def test_cfg_options_may_not_add_unknown_top_level_keys(baseline):
    with pytest.raises(ConfigError, match=r"--cfg-options val_evalutor.x: sets the unknown top-level key "
                                          r"'val_evalutor' \(did you mean 'val_evaluator'\?\)"):
        check_option_keys(baseline, {'val_evalutor.x': 1})
    check_option_keys(baseline, {'train_cfg.max_iters': 3, 'trust_checkpoint': True})


@pytest.mark.parametrize('options,fragments', [
    ({'train_cfg.max_iters': 0}, ['train_cfg.max_iters: is 0', 'an integer >= 1']),
    ({'train_cfg.max_iters': -5}, ['train_cfg.max_iters: is -5']),
    ({'train_cfg.max_iters': '100'}, ["train_cfg.max_iters: is '100'"]),
    ({'train_cfg.val_interval': 0}, ['train_cfg.val_interval: is 0']),
    ({'train_dataloader.batch_size': 0}, ['train_dataloader.batch_size: is 0']),
    ({'val_dataloader.batch_size': 2.5}, ['val_dataloader.batch_size: is 2.5']),
    ({'test_dataloader.num_workers': -1}, ['test_dataloader.num_workers: is -1', 'an integer >= 0']),
    ({'optim_wrapper.optimizer.lr': '1e-3'}, ["optim_wrapper.optimizer.lr: is '1e-3' (str)", 'a number > 0']),
    ({'optim_wrapper.optimizer.lr': 0}, ['optim_wrapper.optimizer.lr: is 0']),
    ({'train_dataloader.dataset.resolution': '64'}, ["train_dataloader.dataset.resolution: is '64'"]),
    ({'val_dataloader.dataset.resolution': 0}, ['val_dataloader.dataset.resolution: is 0']),
    ({'test_checkpoint': 'latest'}, ["test_checkpoint: is 'latest'", "'last' or 'best'"]),
    ({'test_checkpoint': 'best'}, ['no best checkpoint is kept', 'save_best']),
    ({'trust_checkpoint': 'yes'}, ["trust_checkpoint: is 'yes'", 'True or False']),
    ({'tasks.seg.weight': -1}, ['tasks.seg.weight: is -1']),
    ({'tasks.depth.label': 3}, ['tasks.depth.label: is 3']),
    ({'load_from': 'no/such.pth'}, ["load_from: 'no/such.pth' is not a file"]),
    ({'model.backbone.width_multiplier': 0}, ['model.backbone.width_multiplier: is 0', 'a finite number > 0']),
    ({'optim_wrapper.optimizer.type': 'Adamm'}, ["optim_wrapper.optimizer.type: 'Adamm' is not an optimiser",
                                                 "did you mean 'Adam'"]),
    ({'randomness.seed': 'abc'}, ["randomness.seed: is 'abc'"]),
    ({'tasks.seg.weight': float('inf')}, ['tasks.seg.weight: is inf', 'a finite number >= 0']),
    ({'default_hooks.checkpoint.interval': 'abc'}, ["default_hooks.checkpoint.interval: is 'abc'"]),
    ({'default_hooks.checkpoint.max_keep_ckpts': 1.5}, ['default_hooks.checkpoint.max_keep_ckpts: is 1.5']),
])
def test_core_values_are_checked(baseline, options, fragments):
    _fails(baseline, options, *fragments)


@pytest.mark.parametrize('options,fragments', [
    ({'optim_wrapper.arch.optimizer.lr': 'fast'}, ["optim_wrapper.arch.optimizer.lr: is 'fast'"]),
    ({'train_cfg.stages.search.iters': 0}, ['stages[1].iters (search)', 'positive int']),
    ({'train_cfg.dataloaders.train1.batch_size': 0}, ['train_cfg.dataloaders.train1.batch_size: is 0']),
    ({'model.policy.temperature': -1}, ['model.policy.temperature: is -1']),
    ({'model.policy.sparsity_weight': -5}, ['model.policy.sparsity_weight: is -5', 'a finite number >= 0']),
    ({'named_hooks.temperature.decay': -0.75}, ['named_hooks.temperature.decay: is -0.75']),
])
def test_staged_configs_are_checked(staged, options, fragments):
    _fails(staged, options, *fragments)


def test_a_work_dir_that_is_a_file_and_a_config_without_a_model_are_named(tmp_path, baseline):
    from mtlreg.engine.config_validation import check_required
    (tmp_path / 'file').write_text('')
    _fails(baseline, {'work_dir': str(tmp_path / 'file')}, 'is a file', 'a directory')
    with pytest.raises(ConfigError, match='config: has no model, train_dataloader, train_cfg, optim_wrapper'):
        check_required(Config({}))


def test_an_optimiser_registered_in_mtlreg_is_accepted(baseline):
    import torch

    from mtlreg.registry import OPTIMIZERS

    class ScaledSGD(torch.optim.SGD):
        pass
    OPTIMIZERS.register_module(module=ScaledSGD, force=True)
    try:
        cfg = Config(baseline.to_dict())
        cfg.merge_from_dict({'optim_wrapper.optimizer': dict(type='ScaledSGD', lr=0.1)})
        validate_config(cfg)
    finally:
        OPTIMIZERS._module_dict.pop('ScaledSGD')
