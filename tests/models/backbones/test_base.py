"""A gated backbone refuses gates of the wrong shape, naming the shape it expects."""
import pytest
import torch

from mtlreg.models.backbones import DilatedResNet


def test_wrong_gate_shape_is_an_error():
    net = DilatedResNet(depth=18, width_multiplier=0.125)
    with pytest.raises(ValueError, match=r'gates of shape \(8,\)'):
        net(torch.randn(1, 3, 16, 16), torch.ones(5))
