import math

import pytest
import torch

from mtlreg.models.losses import CrossEntropyLoss, L2Loss, MaskedL1Loss, NormalCosineLoss


def test_cross_entropy_ignores_index_and_matches_hand_value():
    # two pixels: logits (0, ln 3) with target 1 -> -log(3/4); the second pixel is ignored
    pred = torch.tensor([[0.0, math.log(3.0)], [5.0, -5.0]]).T.reshape(1, 2, 1, 2)
    target = torch.tensor([[[1, 255]]])
    assert CrossEntropyLoss()(pred, target).item() == pytest.approx(-math.log(0.75), abs=1e-6)


def test_cross_entropy_class_weights_and_all_ignored():
    pred = torch.zeros(1, 2, 1, 2, requires_grad=True)
    target = torch.tensor([[[0, 1]]])
    loss = CrossEntropyLoss(class_weight=[1.0, 3.0])(pred, target)
    assert loss.item() == pytest.approx(math.log(2.0), abs=1e-6)  # weighted mean of equal terms
    empty = CrossEntropyLoss()(pred, torch.full((1, 1, 2), 255))
    empty.backward()
    assert empty.item() == 0.0 and pred.grad is not None


def test_normal_cosine_over_valid_pixels():
    pred = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 0]]).T.reshape(1, 3, 1, 3)
    target = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 0, 0]]).T.reshape(1, 3, 1, 3)
    # pixel 0: cos 1 -> 0; pixel 1: cos 0 -> 1; pixel 2 invalid -> mean 0.5
    assert NormalCosineLoss()(pred, target).item() == pytest.approx(0.5)


def test_masked_l1_invalid_value_and_mask():
    pred = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
    target = torch.tensor([2.0, 0.0, 1.0, 4.0]).reshape(1, 1, 2, 2)
    assert MaskedL1Loss(invalid_value=0.0)(pred, target).item() == pytest.approx((1 + 2 + 0) / 3)
    mask = torch.tensor([True, True, False, False]).reshape(1, 1, 2, 2)
    assert MaskedL1Loss()(pred, target, mask).item() == pytest.approx((1 + 2) / 2)


def test_l2_loss():
    pred = torch.tensor([[1.0], [3.0]])
    target = torch.tensor([[0.0], [1.0]])
    assert L2Loss()(pred, target).item() == pytest.approx((1 + 4) / 2)
    assert L2Loss()(pred, target, torch.tensor([[True], [False]])).item() == pytest.approx(1.0)


def test_cross_entropy_names_a_label_of_the_wrong_kind_or_range():
    from mtlreg.models.losses import CrossEntropyLoss
    from mtlreg.utils.errors import DataError
    loss = CrossEntropyLoss()
    pred = torch.zeros(2, 3, 4, 4)
    with pytest.raises(DataError, match=r'the label is a float32 tensor of shape \(2, 1, 4, 4\)'):
        loss(pred, torch.zeros(2, 1, 4, 4))
    with pytest.raises(DataError, match='a label is 5, but the head predicts 3 classes'):
        loss(pred, torch.full((2, 4, 4), 5))
    assert float(loss(pred, torch.full((2, 4, 4), 255))) == 0.0  # all ignored
