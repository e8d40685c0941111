"""ASPP heads: an atrous 3×3 convolution equals its centre tap where the map is no larger than the rate."""
import pytest
import torch
from torch import nn

from mtlreg.models.heads.aspp import AtrousConv3x3, BinaryMapHead, SegmentationHead, SurfaceNormalHead, unit_normalize


@pytest.mark.parametrize('size', [(1, 1), (4, 6), (6, 6), (7, 6), (9, 20)])
def test_atrous_convolution_equals_the_plain_one_at_every_size(size):
    torch.manual_seed(0)
    conv = AtrousConv3x3(5, 4, rate=6)
    plain = nn.Conv2d(5, 4, 3, padding=6, dilation=6)
    plain.load_state_dict(conv.state_dict())
    x = torch.randn(2, 5, *size)
    torch.testing.assert_close(conv(x), plain(x), rtol=1e-5, atol=1e-6)


def test_small_maps_take_the_centre_tap_and_keep_the_gradients():
    conv = AtrousConv3x3(3, 2, rate=8)
    calls = []
    conv.register_forward_hook(lambda m, i, o: calls.append(o.shape))
    x = torch.randn(1, 3, 8, 8, requires_grad=True)
    conv(x).sum().backward()
    assert conv.weight.grad[:, :, 1, 1].abs().sum() > 0
    assert conv.weight.grad[:, :, 0].abs().sum() == 0   # off-centre taps see only padding: no gradient either
    head = SegmentationHead(3, 5, channels=4)
    assert head.state_dict().keys() == SegmentationHead(3, 5, channels=4).state_dict().keys()
    assert head(torch.randn(1, 3, 8, 8), (64, 64)).shape == (1, 5, 64, 64)


def test_unit_normalize_matches_torch_and_keeps_zero_vectors_finite():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        x[0, :, 0, 0] = 0.0  # a zero vector: divided by eps, stays zero
    ours, reference = unit_normalize(x, eps=1e-6), torch.nn.functional.normalize(x, dim=1, eps=1e-6)
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    assert torch.allclose((ours[1] ** 2).sum(0), torch.ones(5, 4, dtype=torch.float64))
    grad_ours, = torch.autograd.grad(ours.sin().sum(), x)
    grad_reference, = torch.autograd.grad(reference.sin().sum(), x)
    torch.testing.assert_close(grad_ours, grad_reference, rtol=1e-10, atol=1e-10)
    head = SurfaceNormalHead(4, channels=4)
    out = head(torch.randn(2, 4, 3, 3), (6, 6))
    torch.testing.assert_close((out ** 2).sum(1), torch.ones(2, 6, 6), rtol=1e-5, atol=1e-5)


def test_binary_map_head_trains_on_logits_and_predicts_probabilities():
    torch.manual_seed(0)
    head = BinaryMapHead(3, channels=4)
    logits = head(torch.randn(2, 3, 4, 4), (8, 8))
    assert logits.shape == (2, 1, 8, 8)
    torch.testing.assert_close(head.predict(logits), torch.sigmoid(logits))
    with pytest.raises(ValueError, match='out_channels must be 1'):
        BinaryMapHead(3, out_channels=2)
