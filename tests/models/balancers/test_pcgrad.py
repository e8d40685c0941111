"""PCGrad: conflicting gradients projected by hand; a model step gives the shared parameters the projection."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mtlreg.engine.optim_wrappers import AutocastOptimWrapper
from mtlreg.models.balancers.pcgrad import project_conflicting
from mtlreg.registry import MODELS, register_all_modules

register_all_modules()


def test_pcgrad_projects_conflicting_gradients_worked_by_hand():
    g1, g2 = torch.tensor([1.0, 0.0]), torch.tensor([-1.0, 1.0])
    # g1 . g2 = -1: g1 -> g1 - (-1/2) g2 = (0.5, 0.5); g2 -> g2 - (-1/1) g1 = (0, 1); sum (0.5, 1.5)
    assert project_conflicting([g1, g2]).tolist() == pytest.approx([0.5, 1.5])
    # no conflict: the plain sum
    assert project_conflicting([g1, torch.tensor([1.0, 2.0])]).tolist() == pytest.approx([2.0, 2.0])


def _pcgrad_model():
    with DefaultScope.overwrite_default_scope('mtlreg'):
        return MODELS.build(dict(
            type='MultiTaskModel', balancer=dict(type='PCGradBalancer'),
            backbone=dict(type='ModularNetwork', vector_input=True, in_channels=2,
                          layers=[dict(channels=2, components=[dict(type='fc', final_relu=False)])]),
            tasks=dict(a=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss')),
                       b=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss')))))


def test_pcgrad_model_step_gives_shared_parameters_the_projected_gradient():
    torch.manual_seed(0)
    model = _pcgrad_model()
    x = torch.randn(8, 2)
    data = dict(inputs=x, data_samples=dict(a=torch.randn(8, 1), b=-3 * torch.randn(8, 1)))
    shared = model.shared_parameters()
    losses = model.loss(**data)
    per_task = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(losses[f'loss_{t}'], shared,
                                                                      retain_graph=True)]) for t in 'ab']
    head_a = torch.autograd.grad(losses['loss_a'], model.heads['a'].fc.weight, retain_graph=True)[0]
    expected = project_conflicting(per_task, generator=torch.Generator().manual_seed(0))  # seed 0, step 0
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 10)
    model.train_step(data, wrapper)  # the first of two accumulated micro-steps: gradients stay
    got = torch.cat([p.grad.reshape(-1) for p in shared])
    assert torch.allclose(got, expected / 2, atol=1e-6)  # the wrapper's 1/accumulative_counts
    assert torch.allclose(model.heads['a'].fc.weight.grad, head_a / 2, atol=1e-6)


def test_pcgrad_runs_under_bfloat16_autocast():
    model = _pcgrad_model()
    wrapper = AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    before = [p.detach().clone() for p in model.shared_parameters()]
    log = model.train_step(dict(inputs=torch.randn(4, 2), data_samples=dict(a=torch.ones(4, 1), b=-torch.ones(4, 1))),
                           wrapper)
    assert torch.isfinite(log['loss'])
    assert any(not torch.equal(b, p) for b, p in zip(before, model.shared_parameters()))


def test_pcgrad_logs_the_effective_weights_of_its_update():
    # g_a = (−4, 1, 1), g_b = (6, 1, 1): g_a·g_b = −22, ‖g_a‖² = 18, ‖g_b‖² = 38
    # g_a^PC = g_a + 22/38 g_b, g_b^PC = g_b + 22/18 g_a: the update is (1 + 22/18) g_a + (1 + 22/38) g_b
    from tests.models.balancers.two_gradients import G_A, G_B, aggregate
    d, weights = aggregate('PCGradBalancer', task_weights={'a': 1.0, 'b': 2.0})
    torch.testing.assert_close(d, (1 + 22 / 18) * G_A + (1 + 22 / 38) * G_B)
    assert weights == pytest.approx({'a': 1 + 22 / 18, 'b': 2 * (1 + 22 / 38)})
    # no conflict: the plain sum, weights λ
    d, weights = aggregate('PCGradBalancer', torch.tensor([1.0, 0.0, 0.0]), torch.tensor([1.0, 1.0, 0.0]))
    assert d.tolist() == [2.0, 1.0, 0.0] and weights == {'a': 1.0, 'b': 1.0}
