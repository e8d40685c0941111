"""The masked L1 loss leaves out pixels of the invalid value or outside the mask."""
import pytest
import torch

from mtlreg.models.losses import MaskedL1Loss


def test_masked_l1_invalid_value_and_mask():
    pred = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
    target = torch.tensor([2.0, 0.0, 1.0, 4.0]).reshape(1, 1, 2, 2)
    assert MaskedL1Loss(invalid_value=0.0)(pred, target).item() == pytest.approx((1 + 2 + 0) / 3)
    mask = torch.tensor([True, True, False, False]).reshape(1, 1, 2, 2)
    assert MaskedL1Loss()(pred, target, mask).item() == pytest.approx((1 + 2) / 2)
