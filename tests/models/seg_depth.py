"""The segmentation and depth tasks of the model tests, on a narrow ResNet-18, and a batch labelled for both."""
import torch

BACKBONE = dict(type='DilatedResNet', depth=18, width_multiplier=0.125)


def _tasks():
    return dict(
        seg=dict(head=dict(type='SegmentationHead', out_channels=3, channels=8), loss=dict(type='CrossEntropyLoss'),
                 weight=2.0),
        depth=dict(head=dict(type='DenseRegressionHead', channels=8), loss=dict(type='MaskedL1Loss'), weight=0.5),
    )


def _batch(n=2, size=16):
    torch.manual_seed(0)
    return torch.randn(n, 3, size, size), {'seg': torch.randint(0, 3, (n, size, size)),
                                           'depth': torch.rand(n, 1, size, size)}
