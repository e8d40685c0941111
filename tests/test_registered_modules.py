"""Every registered module (plugins' too) built from the example arguments it declares and exercised.

A module declares ``example_args`` (small constructor arguments; none: its defaults) and, for losses and
metrics, the ``label_kinds`` it accepts; the tests build it with them and check its contract.
"""
import math
import os

import pytest
import torch

from mtlreg.registry import (BACKBONES, BALANCERS, DATASETS, HEADS, HOOKS, LOSSES, METRICS, POLICIES, TRANSFORMS,
                             register_all_modules)
from mtlreg.testing.examples import LABEL_KINDS, example_output_and_label, example_samples

register_all_modules()


def _members(registry):
    """The registered names, mtlreg's and installed plugins' (not the stand-ins other test files register)."""
    return sorted(name for name, cls in registry.module_dict.items()
                  if not getattr(cls, '__module__', '').startswith(('tests.', 'test_')))


def _example_args(cls) -> dict:
    """The small constructor arguments a module declares (``example_args``; none: its defaults)."""
    return dict(getattr(cls, 'example_args', None) or {})


@pytest.mark.parametrize('name', _members(LOSSES))
def test_every_loss_gives_a_finite_scalar_with_gradient_for_each_label_kind_it_declares(name):
    cls = LOSSES.get(name)
    assert getattr(cls, 'label_kinds', ()), f'{name} declares no label_kinds (see mtlreg.testing.examples)'
    loss_fn = LOSSES.build(dict(type=name, **_example_args(cls)))
    for kind in cls.label_kinds:
        output, label = example_output_and_label(kind)
        loss = loss_fn(output, label)
        assert loss.dim() == 0 and torch.isfinite(loss), kind
        loss.backward()
        assert output.grad is not None and torch.isfinite(output.grad).all() and output.grad.abs().sum() > 0, kind


@pytest.mark.parametrize('name', _members(METRICS))
def test_every_metric_scores_examples_of_each_label_kind_it_declares(name):
    cls = METRICS.get(name)
    assert getattr(cls, 'label_kinds', ()), f'{name} declares no label_kinds (see mtlreg.testing.examples)'
    for kind in cls.label_kinds:
        metric = METRICS.build(dict(type=name, task='a', **_example_args(cls)))
        metric.process(None, example_samples('a', kind))
        results = metric.compute_metrics(metric.results)
        assert results and all(isinstance(v, float) and math.isfinite(v) for v in results.values()), (kind, results)


@pytest.mark.parametrize('name', _members(HEADS))
def test_every_head_forwards_backwards_and_predicts(name):
    head = HEADS.build(dict(type=name, in_channels=8, **_example_args(HEADS.get(name))))
    feature = torch.randn(2, 8, 4, 4, requires_grad=True)
    out = head(feature, (8, 8))
    out.float().mean().backward()
    assert feature.grad is not None
    pred = head.predict(out.detach())
    assert pred.shape[0] == 2


@pytest.mark.parametrize('name', _members(BALANCERS))
def test_every_balancer_returns_an_objective_and_reports_weights(name):
    balancer = BALANCERS.build(dict(type=name, **_example_args(BALANCERS.get(name))),
                               default_args=dict(task_names=['a', 'b'], task_weights={'a': 1.0, 'b': 2.0}))
    losses = {'a': torch.tensor(1.5, requires_grad=True), 'b': torch.tensor(0.5, requires_grad=True)}
    total = balancer(losses)
    assert total.dim() == 0 and torch.isfinite(total)
    total.backward()
    assert losses['a'].grad is not None
    weights = balancer.current_weights()
    assert set(weights) == {'a', 'b'} and all(isinstance(v, float) for v in weights.values())


@pytest.mark.parametrize('name', _members(BACKBONES))
def test_every_backbone_declares_units_and_runs_with_and_without_gates(name):
    cls = BACKBONES.get(name)
    x = torch.randn(1, 3, 32, 32)
    if getattr(cls, 'task_conditioned', False):  # features per task, no gates
        backbone = BACKBONES.build(dict(type=name, task_names=['a', 'b'], **_example_args(cls))).eval()
        out = backbone(x)
        assert set(out) == {'a', 'b'} and out['a'].shape[1] == backbone.out_channels
        torch.testing.assert_close(backbone(x, tasks=['b'])['b'], out['b'])
        assert 0 < backbone.single_task_parameter_count() <= backbone.task_parameter_count('a')
        backbone.train()
        sum(f.mean() for f in backbone(x).values()).backward()
        return
    backbone = BACKBONES.build(dict(type=name, **_example_args(cls))).eval()
    out = backbone(x)
    assert out.shape[1] == backbone.out_channels
    assert len(backbone.unit_names()) == torch.Size(backbone.unit_grid).numel()
    torch.testing.assert_close(backbone(x, torch.ones(backbone.unit_grid)), out)
    backbone.train()
    backbone(x).mean().backward()


@pytest.mark.parametrize('name', _members(POLICIES))
def test_every_policy_gives_gates_and_a_boolean_mask(name):
    tasks = ['a', 'b']
    args = _example_args(POLICIES.get(name))
    assert 'unit_grid' in args, f'{name} declares no example unit_grid in example_args'
    policy = POLICIES.build(dict(type=name, **args), default_args=dict(task_names=tasks))
    grid = tuple(args['unit_grid'])
    for t in tasks:
        gates = policy.gates(t)
        assert gates is None or tuple(gates.shape) == grid
    mask = policy.discretize()
    assert mask.dtype == torch.bool and tuple(mask.shape) == (2, *grid)
    for value in policy.regularizers().values():
        assert value.dim() == 0
    report = policy.report()
    assert report.name and isinstance(report.record, dict)
    with pytest.raises(KeyError, match="unknown task 'c'"):
        policy.gates('c')


def _needs_files(registry) -> list[str]:
    """The members that declare ``example_args = None``: building one needs files on disk."""
    return [name for name in _members(registry) if getattr(registry.get(name), 'example_args', {}) is None]


def test_every_dataset_that_needs_files_has_tests_of_its_own():
    tests = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'datasets')
    text = ''.join(open(os.path.join(tests, f)).read() for f in os.listdir(tests) if f.endswith('.py'))
    assert [name for name in _needs_files(DATASETS) if name not in text] == []


@pytest.mark.parametrize('name', sorted(set(_members(DATASETS)) - set(_needs_files(DATASETS))))
def test_every_dataset_gives_packed_samples_of_declared_label_kinds(name):
    dataset = DATASETS.build(dict(type=name, **_example_args(DATASETS.get(name))))
    assert len(dataset) > 0
    sample = dataset[0]
    assert isinstance(sample['inputs'], torch.Tensor) and sample['data_samples']
    assert all(isinstance(label, torch.Tensor) for label in sample['data_samples'].values())
    kinds = dict(dataset.metainfo.get('label_types') or {})
    assert set(kinds.values()) <= set(LABEL_KINDS), f'{name}: unknown label kinds {kinds}'


@pytest.mark.parametrize('name', _members(TRANSFORMS))
def test_every_transform_keeps_the_image_and_every_label(name):
    raw = DATASETS.build(dict(type='ScenesDataset', resolution=8, max_samples=1))[0]
    out = TRANSFORMS.build(dict(type=name, **_example_args(TRANSFORMS.get(name))))(dict(raw))
    image = out.get('img', out.get('inputs'))
    assert image is not None, f'{name} dropped the image'
    labels = out.get('data_samples', out)
    for key in raw['label_types']:
        assert key in labels, f'{name} dropped label {key!r}'


def _hook_classes() -> list[str]:
    """Every hook class mtlreg's registry holds, once (a class registered under two names appears once)."""
    seen = {}
    for name in _members(HOOKS):
        seen.setdefault(HOOKS.get(name), name)
    return sorted(seen.values())


@pytest.mark.slow
@pytest.mark.parametrize('name', _hook_classes())
def test_every_hook_runs_through_a_tiny_staged_training(name, tmp_path):
    from mtlreg.engine.runner import MultiTaskRunner
    from mtlreg.testing import tiny_staged_config
    cfg = tiny_staged_config(str(tmp_path / 'run'))
    present = [h['type'] for h in [*cfg.default_hooks.values(), *cfg.named_hooks.values()]]
    if name not in present:  # the staged run already carries its own hooks
        cfg.custom_hooks = [dict(type=name, **_example_args(HOOKS.get(name)))]
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 8
    assert any(type(hook) is HOOKS.get(name) for hook in runner.hooks), f'{name} is not among the runner hooks'
