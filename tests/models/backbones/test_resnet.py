"""The dilated ResNet: units and output stride, gates that run, mix or skip blocks, pretrained weights from a file."""
import pytest
import torch

from mtlreg.models.backbones import DilatedResNet, gated_residual_block
from mtlreg.models.backbones.resnet import shortcut


@pytest.mark.parametrize('depth,blocks', [(18, 8), (34, 16)])
def test_dilated_resnet_units_and_output_stride(depth, blocks):
    net = DilatedResNet(depth=depth, width_multiplier=0.125).eval()
    assert net.unit_grid == (blocks,)
    assert len(net.unit_names()) == blocks
    out = net(torch.randn(1, 3, 32, 32))
    assert out.shape == (1, net.out_channels, 4, 4)  # output stride 8


def test_gate_one_and_none_agree_and_gate_zero_is_the_shortcut():
    net = DilatedResNet(depth=18, width_multiplier=0.125).eval()
    x = torch.randn(1, 3, 32, 32)
    torch.testing.assert_close(net(x), net(x, torch.ones(8)))
    # skip every block: the output is the chain of shortcuts (identity or downsample projections)
    y = net.stem(x)
    for block in net.blocks:
        y = shortcut(block, y)
    torch.testing.assert_close(net(x, torch.zeros(8)), y)


def test_soft_gate_mixes_block_and_shortcut():
    net = DilatedResNet(depth=18, width_multiplier=0.125).eval()
    block = net.blocks[2]  # first block of stage 2: has a downsample projection
    x = torch.randn(1, 8, 8, 8)
    g = torch.tensor(0.3, requires_grad=True)
    expected = 0.3 * block(x) + 0.7 * block.downsample(x)
    torch.testing.assert_close(gated_residual_block(block, x, g), expected)


def test_pretrained_is_read_from_a_local_file_only(tmp_path):
    path = tmp_path / 'r18.pth'
    with pytest.raises(FileNotFoundError, match='no file at'):
        DilatedResNet(depth=18, width_multiplier=0.125, pretrained=str(tmp_path / 'missing.pth'))
    import timm
    ref = timm.create_model('resnet18', pretrained=False, num_classes=0, output_stride=8,
                            channels=(8, 16, 32, 64), stem_width=8)
    torch.save(ref.state_dict(), path)
    loaded = DilatedResNet(depth=18, width_multiplier=0.125, pretrained=str(path))
    torch.testing.assert_close(loaded.stem[0].weight, ref.conv1.weight)
