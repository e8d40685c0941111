"""The L2 loss: the mean squared error, over a mask when one is given."""
import pytest
import torch

from mtlreg.models.losses import L2Loss


def test_l2_loss():
    pred = torch.tensor([[1.0], [3.0]])
    target = torch.tensor([[0.0], [1.0]])
    assert L2Loss()(pred, target).item() == pytest.approx((1 + 4) / 2)
    assert L2Loss()(pred, target, torch.tensor([[True], [False]])).item() == pytest.approx(1.0)
