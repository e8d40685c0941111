"""The aggregator state in the balancer's checkpoint (and its absence for stateless balancers); seeded draws."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import mtlreg.models.balancers.cagrad  # noqa: F401  (registers the balancers below)
from mtlreg.models.balancers.jacobian_balancer import seeded_random
from mtlreg.registry import MODELS, register_all_modules
from tests.models.balancers.stateful_steps import build, saved, step
from tests.models.balancers.two_gradients import G_A, G_B

register_all_modules()


@pytest.mark.parametrize('name', ['UPGradBalancer', 'MGDABalancer', 'DualProjBalancer', 'IMTLGBalancer',
                                  'AlignedMTLBalancer', 'ConFIGBalancer', 'CAGradBalancer', 'FairGradBalancer'])
def test_a_stateless_balancer_has_no_extra_state_and_loads_an_empty_state_dict_strictly(name):
    balancer = build(name)
    step(balancer, torch.stack([G_A, G_B]))
    assert balancer.state_dict() == {}
    assert 'aggregator' not in dict(balancer.named_modules())
    build(name).load_state_dict({}, strict=True)


def test_the_saved_state_is_a_copy_on_the_cpu():
    balancer = build('ExcessMTLBalancer')
    step(balancer, torch.stack([G_A, G_B]))
    state = balancer.state_dict()['_extra_state']['aggregator']
    before = state['squared_gradient_sum'].clone()
    step(balancer, torch.stack([G_A, G_B]))  # torchjd adds to its sum in place
    assert torch.equal(state['squared_gradient_sum'], before) and before.device.type == 'cpu'
    assert state['steps'] == 1


@pytest.mark.parametrize('change, error', [
    (lambda s: {'version': 2, 'aggregator': s['aggregator']},
     'the aggregator state in the checkpoint is not one this balancer writes'),
    (lambda s: {'version': 1, 'aggregator': {}},
     r"the aggregator state in the checkpoint has keys \[\], expected \['phi_hat'\]"),
    (lambda s: {'version': 1, 'aggregator': {'phi_hat': torch.zeros(3, 3)}},
     r"the aggregator state 'phi_hat' in the checkpoint has shape \(3, 3\), expected \(2, 2\)"),
])
def test_a_foreign_state_is_refused_naming_the_balancer(change, error):
    state = saved(build('GradVacBalancer'))
    state['_extra_state'] = change(state['_extra_state'])
    with pytest.raises(ValueError, match='GradVacBalancer: ' + error):
        build('GradVacBalancer').load_state_dict(state)


def test_seeded_random_draws_from_the_seed_and_restores_the_global_generator():
    torch.manual_seed(0)
    outside = torch.get_rng_state()
    with seeded_random(7, torch.device('cpu')):
        first = torch.rand(3)
    assert torch.equal(torch.get_rng_state(), outside)
    with seeded_random(7, torch.device('cpu')):
        assert torch.equal(torch.rand(3), first)
    assert torch.equal(first, torch.rand(3, generator=torch.Generator().manual_seed(7)))


def _model():
    with DefaultScope.overwrite_default_scope('mtlreg'):
        return MODELS.build(dict(
            type='MultiTaskModel', balancer=dict(type='GradVacBalancer'),
            backbone=dict(type='ModularNetwork', vector_input=True, in_channels=2,
                          layers=[dict(channels=2, components=[dict(type='fc')] * 2)]),
            tasks={t: dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss'))
                   for t in 'abc'}))


def test_a_model_resumed_from_its_state_dict_takes_the_same_next_step():
    torch.manual_seed(0)
    batches = [dict(inputs=torch.randn(4, 2), data_samples={t: torch.randn(4, 1) for t in 'abc'}) for _ in range(3)]
    model = _model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    for data in batches[:2]:
        model.train_step(data, wrapper)
    state = saved(model)
    assert 'balancer._extra_state' in state and 'balancer.steps' in state
    resumed = _model()
    resumed.load_state_dict(state, strict=True)
    model.train_step(batches[2], wrapper)
    resumed.train_step(batches[2], OptimWrapper(torch.optim.SGD(resumed.parameters(), lr=0.1)))
    for (name, p), q in zip(model.named_parameters(), resumed.parameters()):
        assert torch.equal(p, q), name
    assert resumed.balancer.current_weights() == model.balancer.current_weights()
    # the same weights without the balancer's state step elsewhere
    restarted = _model()
    restarted.load_state_dict({k: v for k, v in state.items() if not k.startswith('balancer.')}, strict=False)
    restarted.train_step(batches[2], OptimWrapper(torch.optim.SGD(restarted.parameters(), lr=0.1)))
    assert not all(torch.equal(p, q) for p, q in zip(model.parameters(), restarted.parameters()))
