"""The Jacobian balancers' common part: static weights in the rows, the logged weights, a model step, the rows'
order and tasks, the aggregator outside the module tree."""
import pytest
import torch

from mtlreg.registry import BALANCERS
from tests.models.balancers.two_gradients import G_A, G_B, aggregate


def test_static_weights_scale_the_rows_and_the_logged_weights():
    balancer = BALANCERS.build(dict(type='MGDABalancer'), default_args=dict(task_names=['a', 'b'],
                                                                           task_weights={'a': 2.0, 'b': 1.0}))
    losses = {'a': torch.tensor(3.0, requires_grad=True), 'b': torch.tensor(1.0, requires_grad=True)}
    assert float(balancer(losses)) == 7.0
    rows = balancer.gradient_losses(losses)
    assert float(rows['a']) == 6.0 and float(rows['b']) == 1.0
    # the rows are the gradients of 2 L_a and L_b; MGDA weighs them α, the loss L_a gets 2 α_a
    d, _ = aggregate('MGDABalancer', 2 * G_A, G_B)
    balancer.shared_gradients({'a': [2 * G_A[:2], 2 * G_A[2:]], 'b': [G_B[:2], G_B[2:]]})
    w = balancer.current_weights()
    torch.testing.assert_close(w['a'] / 2.0 * 2 * G_A + w['b'] * G_B, d, atol=1e-4, rtol=0)


def test_a_training_step_gives_the_backbone_the_aggregated_gradient():
    from mtlreg.models import MultiTaskModel
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    head = dict(type='DenseRegressionHead', channels=4, dropout=0.0)  # the same losses in both passes
    tasks = {t: dict(head=head, loss=dict(type='MaskedL1Loss')) for t in ('a', 'b')}
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks,
                           balancer=dict(type='MGDABalancer'))
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    shared = model.shared_parameters()
    losses = model(**data, mode='loss')
    rows = torch.stack([torch.cat([g.reshape(-1) for g in torch.autograd.grad(losses[f'loss_{t}'], shared,
                                                                             retain_graph=True)]) for t in 'ab'])
    expected, _ = model.balancer.aggregate(rows)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    wrapper = OptimWrapper(optimizer)
    step = wrapper.step
    seen = {}

    def record_then_step(**kwargs):
        seen['grad'] = torch.cat([p.grad.reshape(-1) for p in shared])
        step(**kwargs)
    wrapper.step = record_then_step
    model.train_step(data, wrapper)
    torch.testing.assert_close(seen['grad'], expected, atol=1e-5, rtol=1e-4)


def test_the_rows_are_in_task_order_whatever_the_order_of_the_gradients():
    # UPGrad with preference (1, 0) in task order: the projection of g_a, also when b's gradient comes first
    balancer = BALANCERS.build(dict(type='UPGradBalancer', pref_vector=[1.0, 0.0]),
                               default_args=dict(task_names=['a', 'b']))
    out = balancer.shared_gradients({'b': [G_B[:2], G_B[2:]], 'a': [G_A[:2], G_A[2:]]})
    p_a = G_A - (G_A @ G_B) / (G_B @ G_B) * G_B
    torch.testing.assert_close(torch.cat(out), p_a, atol=2e-3, rtol=0)


def test_gradients_of_an_unknown_task_are_refused():
    balancer = BALANCERS.build(dict(type='MGDABalancer'), default_args=dict(task_names=['a', 'b']))
    with pytest.raises(KeyError, match=r"MGDABalancer: gradients of unknown tasks \['c'\]"):
        balancer.shared_gradients({'a': [G_A], 'c': [G_B]})


def test_the_aggregator_is_outside_the_module_tree():
    balancer = BALANCERS.build(dict(type='UPGradBalancer'), default_args=dict(task_names=['a', 'b']))
    assert type(balancer.aggregator).__name__ == 'UPGrad'
    assert list(balancer.children()) == [] and 'aggregator=UPGrad' in repr(balancer)


def test_representation_gradients_weigh_the_rows_of_the_representations_jacobian():
    from mtlreg.models import MultiTaskModel
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    head = dict(type='DenseRegressionHead', channels=4, dropout=0.0)
    tasks = {t: dict(head=head, loss=dict(type='MaskedL1Loss'), weight=w) for t, w in (('a', 1.0), ('b', 2.0))}
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks,
                           balancer=dict(type='MGDABalancer', gradients='representation'))
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    feats = model.extract_features(data['inputs'], ['a', 'b'])
    outs = model._head_outputs(feats, (16, 16))
    losses = {t: model.losses[t](outs[t], data['data_samples'][t]) * w for t, w in (('a', 1.0), ('b', 2.0))}
    rows = torch.stack([torch.autograd.grad(losses[t], feats['a'], retain_graph=True)[0].reshape(-1) for t in 'ab'])
    _, expected = model.balancer.aggregate(rows)  # MGDA's weights of the representation's Jacobian
    log = model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))
    got = model.balancer.current_weights()
    assert float(log['weight_b']) == pytest.approx(got['b']) != 2.0  # this step's weights, not the previous
    torch.testing.assert_close(torch.tensor([got['a'], got['b'] / 2.0]), expected, atol=1e-4, rtol=1e-4)


def test_only_stateless_gramian_weightings_take_representation_gradients():
    for name in ('UPGradBalancer', 'MGDABalancer', 'DualProjBalancer', 'IMTLGBalancer', 'AlignedMTLBalancer',
                 'CAGradBalancer', 'FairGradBalancer'):
        BALANCERS.build(dict(type=name, gradients='representation'), default_args=dict(task_names=['a', 'b']))
    with pytest.raises(TypeError):  # ConFIG is not a weighting of the rows: it has no such option
        BALANCERS.build(dict(type='ConFIGBalancer', gradients='representation'), default_args=dict(task_names=['a']))


@pytest.mark.parametrize('name', ['UPGradBalancer', 'DualProjBalancer', 'AlignedMTLBalancer'])
@pytest.mark.parametrize('device', ['cpu', pytest.param('cuda', marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason='the preference on a CUDA Jacobian needs CUDA'))])
def test_a_preference_vector_follows_the_jacobians_dtype_and_device(name, device):
    # torchjd keeps the preference where it was built (CPU, float32); a float64 or CUDA Jacobian must still aggregate
    balancer = BALANCERS.build(dict(type=name, pref_vector=[0.3, 0.7]), default_args=dict(task_names=['a', 'b']))
    jacobian = torch.tensor([[-4.0, 1.0, 1.0], [6.0, 1.0, 1.0]])
    expected, _ = balancer.aggregate(jacobian)
    got, weights = balancer.aggregate(jacobian.to(device, torch.float64))
    assert got.dtype == torch.float64 and got.device.type == device
    torch.testing.assert_close(got.cpu().float(), expected, atol=1e-5, rtol=0)
