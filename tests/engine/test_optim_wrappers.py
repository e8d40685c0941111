"""Mixed precision on the CPU: the forward runs in bfloat16 and the step is taken."""
import pytest
import torch

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
