"""Cross-entropy: ignored pixels, class weights (also from a file), a label of the wrong kind or range named."""
import math

import numpy as np
import pytest
import torch

from mtlreg.models.losses import CrossEntropyLoss


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


def test_cross_entropy_reads_class_weights_from_a_file(tmp_path):
    path = tmp_path / 'prior.npy'
    np.save(path, np.array([1.0, 3.0]))
    loss = CrossEntropyLoss(class_weight=str(path))
    assert loss.class_weight.tolist() == [1.0, 3.0]
    logits = torch.zeros(2, 2)
    # weighted mean of -log(0.5) over the two samples is -log(0.5) whatever the weights
    assert float(loss(logits, torch.tensor([0, 1]))) == pytest.approx(np.log(2))
    logits = torch.tensor([[2.0, 0.0], [2.0, 0.0]])
    nll = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]), reduction='none')
    assert float(loss(logits, torch.tensor([0, 1]))) == pytest.approx(float((nll[0] + 3 * nll[1]) / 4))
    with pytest.raises(FileNotFoundError, match='class_weight: file .*missing.npy'):
        CrossEntropyLoss(class_weight=str(tmp_path / 'missing.npy'))


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
