import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mtlreg.engine.optim_wrappers import AutocastOptimWrapper
from mtlreg.models.balancers import DWABalancer, PCGradBalancer, UncertaintyBalancer
from mtlreg.models.balancers.pcgrad import project_conflicting
from mtlreg.registry import BALANCERS, MODELS, register_all_modules

register_all_modules()


def _feed(balancer, pairs):
    for a, b in pairs:
        balancer({'a': torch.tensor(a), 'b': torch.tensor(b)})


def test_dwa_weights_on_a_hand_made_loss_sequence():
    dwa = DWABalancer(['a', 'b'], temperature=2.0, window=2).train()
    _feed(dwa, [(4.0, 1.0), (2.0, 1.0)])      # window 1: means a 3, b 1
    assert dwa.current_weights() == {'a': 1.0, 'b': 1.0}
    _feed(dwa, [(1.5, 1.0), (1.5, 1.0)])      # window 2: means a 1.5, b 1 -> r = (0.5, 1)
    ea, eb = math.exp(0.5 / 2), math.exp(1.0 / 2)
    expected = {'a': 2 * ea / (ea + eb), 'b': 2 * eb / (ea + eb)}
    assert dwa.current_weights() == pytest.approx(expected)
    objective = dwa({'a': torch.tensor(2.0), 'b': torch.tensor(3.0)})
    assert float(objective) == pytest.approx(2.0 * expected['a'] + 3.0 * expected['b'])


def test_dwa_resumes_mid_window_and_ignores_evaluation_calls():
    dwa = DWABalancer(['a', 'b'], window=3).train()
    _feed(dwa, [(3.0, 2.0)] * 4 + [(1.0, 2.0)])
    copy = DWABalancer(['a', 'b'], window=3)
    copy.load_state_dict(dwa.state_dict())
    copy.train()
    dwa.eval()
    _feed(dwa, [(100.0, 100.0)])                # evaluation: not averaged
    dwa.train()
    for balancer in (dwa, copy):
        _feed(balancer, [(1.0, 2.0)] * 4)
    assert dwa.current_weights() == pytest.approx(copy.current_weights())
    # windows: (3,2)x3 -> means (3, 2); (3,2),(1,2),(1,2) -> (5/3, 2); (1,2)x3 -> (1, 2); r = (3/5, 1)
    ea, eb = math.exp(3 / 5 / 2), math.exp(1 / 2)
    assert dwa.current_weights()['a'] == pytest.approx(2 * ea / (ea + eb))


def test_uncertainty_objective_and_gradients():
    uw = UncertaintyBalancer(['a', 'b'], init_log_var=-0.5, task_types={'b': 'classification'})
    with torch.no_grad():
        uw.log_vars[1] = 0.2
    la, lb = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    objective = uw({'a': la, 'b': lb})
    # regression: exp(-s)/2 * L + s/2; classification: exp(-s) * L + s/2
    assert objective.item() == pytest.approx(0.5 * math.exp(0.5) * 2 - 0.25 + math.exp(-0.2) * 3 + 0.1)
    objective.backward()
    assert float(la.grad) == pytest.approx(0.5 * math.exp(0.5))
    assert float(lb.grad) == pytest.approx(math.exp(-0.2))
    assert uw.log_vars.grad.tolist() == pytest.approx([-0.5 * math.exp(0.5) * 2 + 0.5, -math.exp(-0.2) * 3 + 0.5])
    assert uw.current_weights() == pytest.approx({'a': 0.5 * math.exp(0.5), 'b': math.exp(-0.2)})
    with pytest.raises(ValueError, match="expected \\['classification', 'regression'\\]"):
        UncertaintyBalancer(['a'], task_types={'a': 'ranking'})


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


@pytest.mark.parametrize('name', sorted(BALANCERS.module_dict))
def test_every_registered_balancer_trains_a_step_and_reports_weights(name):
    with DefaultScope.overwrite_default_scope('mtlreg'):
        model = MODELS.build(dict(
            type='MultiTaskModel', balancer=dict(type=name),
            backbone=dict(type='ModularNetwork', vector_input=True, in_channels=2,
                          layers=[dict(channels=2, components=[dict(type='fc')] * 2)]),
            tasks=dict(a=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss')),
                       b=dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss'),
                              weight=2.0))))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    data = dict(inputs=torch.randn(4, 2), data_samples=dict(a=torch.randn(4, 1), b=torch.randn(4, 1)))
    log = model.train_step(data, wrapper)
    assert torch.isfinite(log['loss']) and {'weight_a', 'weight_b', 'loss_a', 'loss_b'} <= set(log)
    weights = model.balancer.current_weights()
    assert set(weights) == {'a', 'b'} and all(math.isfinite(w) and w > 0 for w in weights.values())
    with pytest.raises(KeyError, match="unknown tasks \\['c'\\]"):
        model.balancer({'c': torch.tensor(1.0)})
