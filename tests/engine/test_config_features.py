"""Config conveniences: named hooks, mixed precision for named optimisers, class weights from a file."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mtlreg.engine.config_utils import enable_amp, parse_data_roots, remap_data_roots
from mtlreg.engine.runner.multitask_runner import resolve_named_hooks
from mtlreg.models.losses import CrossEntropyLoss


def test_named_hooks_join_custom_hooks_and_none_removes_one():
    cfg = Config(dict(custom_hooks=[dict(type='A')],
                      named_hooks=dict(b=dict(type='B', speed=3), c=None, d=dict(type='D'))))
    resolved = resolve_named_hooks(cfg)
    assert [h['type'] for h in resolved.custom_hooks] == ['A', 'B', 'D']
    assert resolved.custom_hooks[1]['speed'] == 3
    with pytest.raises(ValueError, match='named_hooks.x must be a hook config with a "type" key'):
        resolve_named_hooks(Config(dict(named_hooks=dict(x=dict(speed=1)))))


def test_named_hooks_merge_by_name_through_inheritance(tmp_path):
    (tmp_path / 'base.py').write_text("named_hooks = dict(curriculum=dict(type='CurriculumHook', speed=1, every=2))\n")
    (tmp_path / 'child.py').write_text("_base_ = ['base.py']\nnamed_hooks = dict(curriculum=dict(speed=3))\n")
    hooks = resolve_named_hooks(Config.fromfile(str(tmp_path / 'child.py'))).custom_hooks
    assert hooks == [dict(type='CurriculumHook', speed=3, every=2)]


def test_amp_switches_every_named_optimiser_wrapper():
    cfg = Config(dict(optim_wrapper=dict(constructor='ArchitectureOptimWrapperConstructor',
                                         weights=dict(optimizer=dict(type='SGD', lr=0.1)),
                                         arch=dict(optimizer=dict(type='Adam', lr=0.01)))))
    enable_amp(cfg)
    expected = 'AmpOptimWrapper' if torch.cuda.is_available() else 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.weights.type == cfg.optim_wrapper.arch.type == expected


def test_cross_entropy_reads_class_weights_from_a_file(tmp_path):
    path = tmp_path / 'prior.npy'
    np.save(path, np.array([1.0, 3.0]))
    loss = CrossEntropyLoss(class_weight=str(path))
    assert loss.class_weight.tolist() == [1.0, 3.0]
    logits = torch.zeros(2, 2)
    # weighted mean of -log(0.5) over the two samples is -log(0.5) whatever the weights
    assert float(loss(logits, torch.tensor([0, 1]))) == pytest.approx(np.log(2))
    logits = torch.tensor([[2.0, 0.0], [2.0, 0.0]])
    nll = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]), reduction='none')
    assert float(loss(logits, torch.tensor([0, 1]))) == pytest.approx(float((nll[0] + 3 * nll[1]) / 4))
    with pytest.raises(FileNotFoundError, match='class_weight: file .*missing.npy'):
        CrossEntropyLoss(class_weight=str(tmp_path / 'missing.npy'))


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
