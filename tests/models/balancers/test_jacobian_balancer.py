"""The Jacobian balancers' common part: static weights in the rows, the logged weights, a model step."""
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
