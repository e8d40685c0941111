"""The cosine loss of surface normals, over the valid pixels only."""
import pytest
import torch

from mtlreg.models.losses import NormalCosineLoss


def test_normal_cosine_over_valid_pixels():
    pred = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 0]]).T.reshape(1, 3, 1, 3)
    target = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 0, 0]]).T.reshape(1, 3, 1, 3)
    # pixel 0: cos 1 -> 0; pixel 1: cos 0 -> 1; pixel 2 invalid -> mean 0.5
    assert NormalCosineLoss()(pred, target).item() == pytest.approx(0.5)
