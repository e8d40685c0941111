"""The class-balanced BCE: HED's batch weight or a fixed positive weight, ignored pixels, gradients, errors."""
import math

import pytest
import torch

from mtlreg.models.losses import BalancedBCELoss
from mtlreg.utils.errors import DataError


def _bce(x, positive):
    return -math.log(1 / (1 + math.exp(-x))) if positive else -math.log(1 - 1 / (1 + math.exp(-x)))


def test_fixed_positive_weight_by_hand():
    logits = torch.tensor([2.0, -1.0, 0.5, 0.0]).reshape(1, 1, 2, 2)
    labels = torch.tensor([1.0, 0.0, 0.0, 1.0]).reshape(1, 1, 2, 2)
    pos = _bce(2.0, True) + _bce(0.0, True)
    neg = _bce(-1.0, False) + _bce(0.5, False)
    expected = (0.95 * pos + 0.05 * neg) / 4
    assert BalancedBCELoss(pos_weight=0.95)(logits, labels).item() == pytest.approx(expected)


def test_batch_weight_is_the_share_of_negatives_and_ignored_pixels_drop_out():
    logits = torch.tensor([1.0, -2.0, 0.3, 4.0]).reshape(1, 1, 1, 4)
    labels = torch.tensor([1.0, 0.0, 0.0, 255.0]).reshape(1, 1, 1, 4)
    w = 2 / 3  # two negatives among three valid pixels
    expected = (w * _bce(1.0, True) + (1 - w) * (_bce(-2.0, False) + _bce(0.3, False))) / 3
    assert BalancedBCELoss(ignore_value=255)(logits, labels).item() == pytest.approx(expected)
    # interpolated labels count as positive from 0.5 on
    soft = torch.tensor([0.6, 0.4, 0.0, 255.0]).reshape(1, 1, 1, 4)
    assert BalancedBCELoss(ignore_value=255)(logits, soft).item() == pytest.approx(expected)


def test_large_logits_stay_finite_and_a_fully_ignored_batch_gives_zero_with_a_graph():
    logits = torch.tensor([200.0, -200.0]).reshape(1, 1, 1, 2).requires_grad_()
    labels = torch.tensor([0.0, 1.0]).reshape(1, 1, 1, 2)
    loss = BalancedBCELoss(pos_weight=0.5)(logits, labels)
    assert math.isfinite(loss.item()) and loss.item() == pytest.approx((0.5 * 200 + 0.5 * 200) / 2)
    loss.backward()
    assert torch.isfinite(logits.grad).all()
    empty = BalancedBCELoss(ignore_value=255)(logits, torch.full_like(labels, 255.0))
    assert empty.item() == 0.0 and empty.requires_grad


def test_bad_settings_and_shapes_are_named():
    with pytest.raises(ValueError, match='pos_weight'):
        BalancedBCELoss(pos_weight=1.5)
    with pytest.raises(DataError, match='BalancedBCELoss'):
        BalancedBCELoss()(torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2))
