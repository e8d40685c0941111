"""The plugin's own tests: its modules are registered and behave."""
import torch

import mtlreg_plugin_example  # noqa: F401 - registers the modules
from mtlreg.registry import BALANCERS, HEADS, LOSSES


def test_berhu_is_l1_below_the_threshold_and_quadratic_above():
    loss = LOSSES.build(dict(type='BerHuLoss', threshold=0.5, invalid_value=None))
    pred = torch.tensor([0.0, 0.0])
    target = torch.tensor([0.2, 2.0])  # |x| = 0.2, 2.0; c = 0.5 * 2.0 = 1.0
    expected = (0.2 + (4.0 + 1.0) / 2.0) / 2
    assert abs(loss(pred, target).item() - expected) < 1e-6


def test_geometric_mean_balancer():
    balancer = BALANCERS.build(dict(type='GeometricMeanBalancer'), default_args=dict(task_names=['a', 'b']))
    total = balancer({'a': torch.tensor(4.0), 'b': torch.tensor(1.0)})
    assert abs(total.item() - 2.0) < 1e-6
    assert abs(balancer.current_weights()['a'] - 0.25) < 1e-6


def test_light_head_upsamples():
    head = HEADS.build(dict(type='LightDenseHead', in_channels=4))
    assert head(torch.randn(1, 4, 2, 2), (8, 8)).shape == (1, 1, 8, 8)
