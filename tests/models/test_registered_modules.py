"""Every registered loss, head, balancer, backbone and policy (plugins too) gets a tiny forward/backward."""
import pytest
import torch

from mtlreg.registry import BACKBONES, BALANCERS, HEADS, LOSSES, POLICIES, register_all_modules

register_all_modules()


def _members(registry):
    return sorted(registry.module_dict)


def _loss_examples():
    """(pred, target) pairs of the label kinds mtlreg knows; a loss must accept at least one."""
    torch.manual_seed(0)
    yield torch.randn(2, 3, 4, 4, requires_grad=True), torch.randint(0, 3, (2, 4, 4))
    yield torch.randn(2, 1, 4, 4, requires_grad=True), torch.rand(2, 1, 4, 4) + 0.1
    yield torch.randn(2, 3, 4, 4, requires_grad=True), torch.nn.functional.normalize(torch.randn(2, 3, 4, 4), dim=1)
    yield torch.randn(2, 3, requires_grad=True), torch.randint(0, 3, (2,))


@pytest.mark.parametrize('name', _members(LOSSES))
def test_every_loss_gives_a_finite_scalar_with_gradient(name):
    loss_fn = LOSSES.build(dict(type=name))
    accepted = 0
    for pred, target in _loss_examples():
        try:
            loss = loss_fn(pred, target)
        except (RuntimeError, ValueError, IndexError):
            continue
        assert loss.dim() == 0 and torch.isfinite(loss)
        loss.backward()
        assert pred.grad is not None and torch.isfinite(pred.grad).all()
        accepted += 1
    assert accepted, f'{name} accepted none of the standard (pred, target) kinds'


def _build_head(name):
    for extra in ({}, {'out_channels': 3}, {'num_classes': 3}):
        try:
            return HEADS.build(dict(type=name, in_channels=8, **extra))
        except TypeError:
            continue
    raise AssertionError(f'{name}: cannot be built from in_channels (+ out_channels or num_classes)')


@pytest.mark.parametrize('name', _members(HEADS))
def test_every_head_forwards_backwards_and_predicts(name):
    head = _build_head(name)
    feature = torch.randn(2, 8, 4, 4, requires_grad=True)
    out = head(feature, (8, 8))
    out.float().mean().backward()
    assert feature.grad is not None
    pred = head.predict(out.detach())
    assert pred.shape[0] == 2


@pytest.mark.parametrize('name', _members(BALANCERS))
def test_every_balancer_returns_an_objective_and_reports_weights(name):
    balancer = BALANCERS.build(dict(type=name), default_args=dict(task_names=['a', 'b'],
                                                                  task_weights={'a': 1.0, 'b': 2.0}))
    losses = {'a': torch.tensor(1.5, requires_grad=True), 'b': torch.tensor(0.5, requires_grad=True)}
    total = balancer(losses)
    assert total.dim() == 0 and torch.isfinite(total)
    total.backward()
    assert losses['a'].grad is not None
    weights = balancer.current_weights()
    assert set(weights) == {'a', 'b'} and all(isinstance(v, float) for v in weights.values())


#: Backbones built from a layer list rather than a width: a small example each.
_BACKBONE_ARGS = {'ModularNetwork': dict(in_channels=3, layers=[
    dict(channels=4, stride=2, components=[dict(type='conv'), dict(type='max_pool'), dict(type='identity')])] * 2)}


@pytest.mark.parametrize('name', _members(BACKBONES))
def test_every_backbone_declares_units_and_runs_with_and_without_gates(name):
    args = _BACKBONE_ARGS.get(name, dict(width_multiplier=0.125))
    x = torch.randn(1, 3, 32, 32)
    if getattr(BACKBONES.get(name), 'task_conditioned', False):  # features per task, no gates
        backbone = BACKBONES.build(dict(type=name, task_names=['a', 'b'], **args)).eval()
        out = backbone(x)
        assert set(out) == {'a', 'b'} and out['a'].shape[1] == backbone.out_channels
        torch.testing.assert_close(backbone(x, tasks=['b'])['b'], out['b'])
        assert 0 < backbone.single_task_parameter_count() <= backbone.task_parameter_count('a')
        backbone.train()
        sum(f.mean() for f in backbone(x).values()).backward()
        return
    backbone = BACKBONES.build(dict(type=name, **args)).eval()
    out = backbone(x)
    assert out.shape[1] == backbone.out_channels
    assert len(backbone.unit_names()) == torch.Size(backbone.unit_grid).numel()
    torch.testing.assert_close(backbone(x, torch.ones(backbone.unit_grid)), out)
    backbone.train()
    backbone(x).mean().backward()


def _build_policy(name, tasks):
    """The policy on a 1-D grid of 4 units or, for policies of layered or graph grids, a (2, 3) or (5, 5) grid."""
    for grid in ((4,), (2, 3), (5, 5)):
        args = dict(task_names=tasks, unit_grid=grid)
        for extra in ({}, {'mask': torch.ones((len(tasks), *grid)).tolist()}):
            try:
                return POLICIES.build(dict(type=name, **extra), default_args=args), grid
            except (TypeError, ValueError):
                continue
    raise AssertionError(f'{name}: cannot be built on a (4,), (2, 3) or (5, 5) unit grid')


@pytest.mark.parametrize('name', _members(POLICIES))
def test_every_policy_gives_gates_and_a_boolean_mask(name):
    tasks = ['a', 'b']
    policy, grid = _build_policy(name, tasks)
    for t in tasks:
        gates = policy.gates(t)
        assert gates is None or tuple(gates.shape) == grid
    mask = policy.discretize()
    assert mask.dtype == torch.bool and tuple(mask.shape) == (2, *grid)
    for value in policy.regularizers().values():
        assert value.dim() == 0
    with pytest.raises(KeyError, match="unknown task 'c'"):
        policy.gates('c')
