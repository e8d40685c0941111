import pytest
import torch
from mmengine.config import Config

from mtlreg.engine.config_utils import apply_fast_dev_run, enable_amp
from mtlreg.engine.optim_wrappers import AutocastOptimWrapper
from mtlreg.models import MultiTaskModel


def test_autocast_wrapper_runs_the_forward_in_bfloat16_and_steps():
    tasks = dict(seg=dict(head=dict(type='SegmentationHead', out_channels=3, channels=4),
                          loss=dict(type='CrossEntropyLoss')))
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.125), tasks)
    seen = {}

    def record(module, args, output):
        seen['dtype'] = output.dtype

    model.heads['seg'].branches[0].register_forward_hook(record)
    wrapper = AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.heads['seg'].branches[0][0].weight.detach().clone()
    data = {'inputs': torch.randn(2, 3, 16, 16), 'data_samples': {'seg': torch.randint(0, 3, (2, 16, 16))}}
    log = model.train_step(data, wrapper)
    assert seen['dtype'] == torch.bfloat16
    assert torch.isfinite(log['loss'])
    assert not torch.equal(before, model.heads['seg'].branches[0][0].weight)
    with pytest.raises(ValueError, match='dtype must be'):
        AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1), dtype='int8')


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
