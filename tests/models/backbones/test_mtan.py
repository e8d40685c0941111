"""MTAN: with open attention the shared trunk; masks in [0, 1]; parameters split into shared and per task."""
import pytest
import torch
from torch import nn

from mtlreg.models.backbones import MTANResNet


class _Ones(nn.Module):
    """An attention module that lets everything through: a mask of ones of the stage's width."""

    def __init__(self, channels):
        super().__init__()
        self.channels = channels

    def forward(self, x):
        return x.new_ones(x.shape[0], self.channels, *x.shape[2:])


def test_mtan_with_open_attention_is_the_shared_trunk():
    torch.manual_seed(0)
    net = MTANResNet(['a', 'b'], width_multiplier=0.125).eval()
    x = torch.randn(2, 3, 32, 32)
    features = net(x)
    assert set(features) == {'a', 'b'} and features['a'].shape == (2, net.out_channels, 4, 4)
    assert not torch.allclose(features['a'], features['b'])  # each task attends differently
    # one task alone gives the same features as all tasks together
    assert torch.allclose(net(x, tasks=['b'])['b'], features['b'])
    for task in ('a', 'b'):
        for j, c in enumerate(net.trunk.stage_channels):
            net.attention[task][j] = _Ones(c)
    trunk = net.trunk(x)
    assert all(torch.allclose(f, trunk) for f in net(x).values())


def test_mtan_masks_lie_in_zero_one_and_counts_split_shared_and_task_parameters():
    net = MTANResNet(['a', 'b', 'c'], width_multiplier=0.125)
    mask = net.attention['a'][0](torch.randn(2, net.trunk.blocks[0].conv2.out_channels, 8, 8))
    assert mask.min() >= 0 and mask.max() <= 1
    trunk = sum(p.numel() for p in net.trunk.parameters())
    shared = sum(p.numel() for p in net.shared_parameters())
    own = sum(p.numel() for p in net.attention['a'].parameters())
    assert net.single_task_parameter_count() == trunk
    assert net.task_parameter_count('a') == shared + own
    assert sum(p.numel() for p in net.parameters()) == shared + 3 * own
    with pytest.raises(KeyError, match=r"unknown tasks \['d'\]"):
        net(torch.randn(1, 3, 32, 32), tasks=['d'])
