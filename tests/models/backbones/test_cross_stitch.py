"""Cross-stitch units worked by hand; at identity the networks are independent, at one half both tasks agree."""
import pytest
import torch

from mtlreg.models.backbones import CrossStitchResNet, DilatedResNet
from mtlreg.models.backbones.cross_stitch import CrossStitchUnit


def test_cross_stitch_unit_worked_by_hand():
    unit = CrossStitchUnit(2, channels=1, init_self=0.9)
    x1, x2 = torch.full((1, 1, 1, 1), 1.0), torch.full((1, 1, 1, 1), 3.0)
    y1, y2 = (y.detach() for y in unit([x1, x2]))
    assert float(y1) == pytest.approx(0.9 * 1 + 0.1 * 3) and float(y2) == pytest.approx(0.1 * 1 + 0.9 * 3)
    per_channel = CrossStitchUnit(3, channels=4, init_self=0.8, per_channel=True)
    assert per_channel.alpha.shape == (3, 3, 4)
    alpha = per_channel.alpha.detach()
    assert float(alpha[0, 1, 2]) == pytest.approx(0.1) and float(alpha[2, 2, 0]) == pytest.approx(0.8)


def test_cross_stitch_at_identity_is_independent_networks():
    torch.manual_seed(0)
    net = CrossStitchResNet(['a', 'b'], init_self=1.0, width_multiplier=0.125).eval()
    x = torch.randn(2, 3, 32, 32)
    features = net(x)
    for task in ('a', 'b'):
        assert torch.allclose(features[task], net.nets[task](x), atol=1e-6)
    net = CrossStitchResNet(['a', 'b'], init_self=0.5, width_multiplier=0.125).eval()
    mixed = net(x)  # equal halves after the last stage's unit: both tasks get the same features
    assert torch.allclose(mixed['a'], mixed['b'], atol=1e-6)
    assert not torch.allclose(net.nets['a'](x), net.nets['b'](x))
    reference = DilatedResNet(width_multiplier=0.125)
    assert net.single_task_parameter_count() == sum(p.numel() for p in reference.parameters())
    with pytest.raises(ValueError, match='init_self must lie in'):
        CrossStitchResNet(['a'], init_self=1.5, width_multiplier=0.125)
