"""Config edits of the tools: mixed precision, the quick check run, remapped data roots, the run dir of a checkpoint."""
import copy

import pytest
import torch
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run, enable_amp, parse_data_roots, remap_data_roots
from mtlreg.engine.staged_train_loop import parse_stages
from tests.engine.tiny import tiny_staged_cfg


def test_amp_switches_every_named_optimiser_wrapper():
    cfg = Config(dict(optim_wrapper=dict(constructor='ArchitectureOptimWrapperConstructor',
                                         weights=dict(optimizer=dict(type='SGD', lr=0.1)),
                                         arch=dict(optimizer=dict(type='Adam', lr=0.01)))))
    enable_amp(cfg)
    expected = 'AmpOptimWrapper' if torch.cuda.is_available() else 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.weights.type == cfg.optim_wrapper.arch.type == expected


def test_enable_amp_and_fast_dev_run_edit_the_config():
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
                      train_cfg=dict(max_iters=100, val_interval=50), work_dir='w',
                      train_dataloader=dict(batch_size=4, num_workers=2, dataset=dict(type='ScenesDataset')),
                      default_hooks=dict(logger=dict(interval=50), checkpoint=dict(interval=50))))
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == ('AmpOptimWrapper' if torch.cuda.is_available() else 'AutocastOptimWrapper')
    apply_fast_dev_run(cfg)
    assert cfg.train_cfg.max_iters == 2 and cfg.train_cfg.val_interval == 2
    assert cfg.train_dataloader.dataset.indices == 8 and cfg.train_dataloader.num_workers == 0
    assert cfg.default_hooks.checkpoint.interval == 2 and cfg.work_dir.endswith('fast_dev_run')
    cfg.optim_wrapper.type = 'OptimWrapperDict'
    with pytest.raises(ValueError, match='--amp'):
        enable_amp(cfg)


def test_fast_dev_run_keeps_every_stage_and_phase(tmp_path):
    cfg = tiny_staged_cfg(tmp_path)
    apply_fast_dev_run(cfg)
    stages = parse_stages(cfg.train_cfg.stages)
    assert [(s.name, s.iters, s.cycle) for s in stages] == [('warmup', 2, 1), ('search', 2, 2), ('retrain', 2, 1)]
    assert cfg.train_cfg.dataloaders.train1.dataset.indices == 4  # min(4, batch 2 × 2 iterations)
    assert cfg.default_hooks.checkpoint.interval == 6


def test_data_roots_are_remapped_in_nested_datasets():
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(type='TaskConcatDataset', datasets=dict(
            a=dict(data_root='data/mnist'), b=dict(data_root='data/mnist_extra'), c=dict(data_root='data/mnist/x')))),
        val_dataloader=dict(dataset=dict(data_root='data/mnist')),
        train_cfg=dict(dataloaders=dict(train1=dict(dataset=dict(data_root='data/mnist'))))))
    changed = remap_data_roots(cfg, parse_data_roots(['data/mnist=/d/m']))
    datasets = cfg.train_dataloader.dataset.datasets
    # a prefix matches whole path components only: data/mnist_extra is another folder
    assert (datasets.a.data_root, datasets.b.data_root, datasets.c.data_root) == ('/d/m', 'data/mnist_extra', '/d/m/x')
    assert cfg.val_dataloader.dataset.data_root == '/d/m' and changed == 4
    assert cfg.train_cfg.dataloaders.train1.dataset.data_root == '/d/m'
    with pytest.raises(ValueError, match=r"no dataset of the config reads from \['data/cityscapes'\]"):
        remap_data_roots(cfg, {'data/cityscapes': '/x'})
    with pytest.raises(ValueError, match='is not PREFIX=PATH'):
        parse_data_roots(['data/mnist'])


def test_a_run_checkpoint_is_evaluated_in_its_run_dir(tmp_path):
    from mmengine.config import Config

    from mtlreg.engine.config_utils import run_dir_of, set_evaluation_work_dir
    run, loose = tmp_path / 'run', tmp_path / 'downloads'
    run.mkdir(), loose.mkdir()
    (run / 'last_checkpoint').write_text(str(run / 'iter_4.pth'))
    assert run_dir_of(str(run / 'iter_4.pth')) == str(run)
    assert run_dir_of(str(loose / 'model.pth')) is None
    cfg = Config(dict(work_dir='from_config'))
    set_evaluation_work_dir(cfg, 'configs/x.py', None, str(run / 'iter_4.pth'))
    assert cfg.work_dir == str(run)
    set_evaluation_work_dir(cfg, 'configs/x.py', 'cli', str(run / 'iter_4.pth'))
    assert cfg.work_dir == 'cli'
    cfg = Config(dict(work_dir='from_config'))
    set_evaluation_work_dir(cfg, 'configs/x.py', None, str(loose / 'model.pth'))
    assert cfg.work_dir == 'from_config'
    cfg = Config(dict())
    set_evaluation_work_dir(cfg, 'configs/x.py', None, str(loose / 'model.pth'))
    assert cfg.work_dir == 'work_dirs/x'


def test_fast_dev_run_keeps_enough_data_under_holdouts_for_a_batch_of_every_part():
    from mtlreg.datasets import HoldoutDataset
    from mtlreg.engine.config_utils import limit_dataset
    scenes = dict(type='ScenesDataset', resolution=8, max_samples=64, pipeline=[dict(type='PackMultiTaskInputs')])
    rest = dict(type='HoldoutDataset', fraction=0.1, seed=0, part='rest', dataset=scenes)
    halves = {part: dict(type='HoldoutDataset', fraction=0.5, seed=1, part=part, dataset=copy.deepcopy(rest))
              for part in ('holdout', 'rest')}
    for cfg in halves.values():
        limit_dataset(cfg, 4)
        # 4 under a half of the rest: 9 under the half, 11 under the 90 % rest
        assert cfg['dataset']['dataset']['indices'] == 11
        assert len(HoldoutDataset(**{k: v for k, v in cfg.items() if k != 'type'})) >= 4
