"""VGG16-BN: output stride 8, and the units that change channels cannot be skipped."""
import pytest
import torch

from mtlreg.models.backbones import VGG16BN


def test_vgg16bn_output_stride_and_ungateable_units():
    net = VGG16BN(width_multiplier=0.125).eval()
    assert net.unit_grid == (13,)
    assert net(torch.randn(1, 3, 32, 32)).shape[-2:] == (4, 4)
    gates = torch.ones(13)
    gates[0] = 0.0  # first conv changes 3 -> 8 channels
    with pytest.raises(ValueError, match='unit 0 changes channels'):
        net(torch.randn(1, 3, 32, 32), gates)
