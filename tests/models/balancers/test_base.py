"""Every registered balancer trains a step (in full and mixed precision), reports finite weights and refuses the
losses of unknown tasks."""
import math

import pytest
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import DefaultScope

from mtlreg.engine.optim_wrappers import AutocastOptimWrapper
from mtlreg.registry import BALANCERS, MODELS, register_all_modules

register_all_modules()


CUDA = torch.cuda.is_available()
PRECISIONS = ['float32', 'bfloat16-autocast',
              pytest.param('float16-amp', marks=pytest.mark.skipif(not CUDA, reason='the fp16 loss scaler needs CUDA'))]


def _wrapper(precision, params):
    if precision == 'float32':
        return OptimWrapper(torch.optim.SGD(params, lr=0.01))
    if precision == 'bfloat16-autocast':
        return AutocastOptimWrapper(optimizer=torch.optim.SGD(params, lr=0.01))
    return AmpOptimWrapper(optimizer=torch.optim.SGD(params, lr=0.01), dtype='float16')


@pytest.mark.parametrize('precision', PRECISIONS)
@pytest.mark.parametrize('name', sorted(BALANCERS.module_dict))
def test_every_registered_balancer_trains_a_step_and_reports_weights(name, precision):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mtlreg'):
        model = MODELS.build(dict(
            type='MultiTaskModel', balancer=dict(type=name),
            backbone=dict(type='ModularNetwork', vector_input=True, in_channels=2,
                          layers=[dict(channels=2, components=[dict(type='fc')] * 2)]),
            tasks=dict(a=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss')),
                       b=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss'),
                              weight=2.0))))
    device = 'cuda' if precision == 'float16-amp' else 'cpu'
    model.to(device)
    wrapper = _wrapper(precision, model.parameters())
    data = dict(inputs=torch.randn(4, 2, device=device),
                data_samples=dict(a=torch.randn(4, 1, device=device), b=torch.randn(4, 1, device=device)))
    before = [p.detach().clone() for p in model.parameters()]
    log = model.train_step(data, wrapper)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))  # the step was taken
    assert torch.isfinite(log['loss']) and {'weight_a', 'weight_b', 'loss_a', 'loss_b'} <= set(log)
    weights = model.balancer.current_weights()
    assert set(weights) == {'a', 'b'} and all(math.isfinite(w) for w in weights.values())
    if not model.balancer.gradient_level:  # a gradient method may weigh a task 0 (MGDA at a vertex of the hull)
        assert all(w > 0 for w in weights.values())
    with pytest.raises(KeyError, match="unknown tasks \\['c'\\]"):
        model.balancer({'c': torch.tensor(1.0)})
