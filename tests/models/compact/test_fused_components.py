"""Components of one form on one input run as one wider layer, with the outputs and gradients of the supernet."""
import pytest
import torch

from mtlreg.models.compact import compile_model
from mtlreg.models import MultiTaskModel
from mtlreg.registry import register_all_modules

register_all_modules()

FUSABLE_MASK = [[[1, 1, 0, 1], [1, 0, 1, 1]], [[1, 1, 0, 1], [0, 1, 1, 0]], [[0, 0, 1, 0], [1, 1, 0, 0]]]


def fusable_model(kind):
    """Three tasks over components that can run as one layer: convolutions + ReLU (4-MNISTs form) or fc."""
    if kind == 'conv':  # a 5×5 convolution beside three 3×3 in the second layer: that one runs alone
        backbone = dict(type='ModularNetwork', in_channels=1, layers=[
            dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 4),
            dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 3 + [dict(type='conv', kernel_size=5)])])
        shape = (1, 12, 12)
    else:  # fully connected components of the synthetic tasks
        backbone = dict(type='ModularNetwork', in_channels=6, vector_input=True, layers=[
            dict(channels=5, components=[dict(type='fc')] * 4), dict(channels=3, components=[dict(type='fc')] * 4)])
        shape = (6,)
    torch.manual_seed(0)
    tasks = {t: dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss'))
             for t in 'abc'}
    model = MultiTaskModel(backbone=backbone, tasks=tasks, policy=dict(type='FixedMaskPolicy', mask=FUSABLE_MASK))
    return model.eval(), shape


@pytest.mark.parametrize('kind', ['conv', 'fc'])
def test_components_of_one_form_on_one_input_run_as_one_layer(kind):
    model, shape = fusable_model(kind)
    tasks = model.task_names
    x = torch.randn(2, *shape)
    compact = compile_model(model)
    calls = []
    for key, module in compact.backbone.components.items():
        module.register_forward_hook(lambda m, i, o, key=key: calls.append(key))
    with torch.no_grad():
        expected, got = model.task_outputs(x), compact(x)
    for task in tasks:
        torch.testing.assert_close(got[task], expected[task], rtol=1e-5, atol=1e-6)
    # fused components run inside one wide layer, so their own forward is never called; what runs alone is
    # a component without a partner of its form on its input: l1c3 (5×5), on the input a and b share
    # (c's input needs l1c0 and l1c1 only: fused); for fc every component has partners
    assert calls == (['l1c3'] if kind == 'conv' else [])
    compact.backbone.fuse = False
    calls.clear()
    with torch.no_grad():
        unfused = compact(x)
    assert len(calls) > 0
    for task in tasks:
        torch.testing.assert_close(unfused[task], got[task], rtol=1e-5, atol=1e-6)


def test_training_through_fused_components_gives_the_supernets_gradients():
    backbone = dict(type='ModularNetwork', in_channels=1, padding=False, layers=[
        dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 4, after=dict(type='avg_pool', kernel=2)),
        dict(channels=4, components=[dict(type='conv', kernel_size=3)] * 4)])
    mask = [[[1, 1, 0, 1], [1, 0, 1, 1]], [[1, 1, 0, 1], [0, 1, 1, 0]], [[0, 0, 1, 0], [1, 1, 0, 0]]]
    tasks = {t: dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss'))
             for t in 'abc'}
    x = torch.randn(4, 1, 12, 12)
    grads = []
    for compact in (False, True):
        torch.manual_seed(0)
        model = MultiTaskModel(backbone=backbone, tasks=tasks, policy=dict(type='FixedMaskPolicy', mask=mask))
        model.compact_execution = compact
        outputs = model.task_outputs(x)
        sum((out * torch.arange(3.0)).sum() for out in outputs.values()).backward()
        grads.append({n: p.grad.clone() for n, p in model.backbone.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 0
    for name in grads[0]:
        torch.testing.assert_close(grads[1][name], grads[0][name], rtol=1e-5, atol=1e-6)
