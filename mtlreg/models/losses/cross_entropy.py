"""Pixel-wise (or per-sample) cross-entropy with an ignore index and class weights."""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import LOSSES
from mtlreg.utils.errors import DataError


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Mean cross-entropy over the labelled pixels (or samples).

    Args:
        ignore_index: label value that contributes nothing. Defaults to 255.
        class_weight: optional per-class weights (e.g. from class priors), or
            the path of a 1-D ``.npy`` file holding them (Tiny-Taskonomy's
            ``semseg_prior_factor.npy``), read when the loss is built.
    """

    #: the label kinds it accepts (``mtlreg.testing.examples.LABEL_KINDS``)
    label_kinds = ('segmentation', 'class')

    def __init__(self, ignore_index: int = 255, class_weight: list[float] | str | None = None):
        super().__init__()
        if not isinstance(ignore_index, int) or isinstance(ignore_index, bool):
            raise ValueError(f'CrossEntropyLoss: ignore_index must be an integer label value, got {ignore_index!r}')
        self.ignore_index = ignore_index
        if isinstance(class_weight, str):
            class_weight = _read_class_weights(class_weight)
        weight = None if class_weight is None else torch.as_tensor(class_weight, dtype=torch.float32)
        self.register_buffer('class_weight', weight, persistent=False)

    def forward(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if target.dim() != pred.dim() - 1 or target.is_floating_point():
            raise DataError(f'the label is a {str(target.dtype).replace("torch.", "")} tensor of shape '
                            f'{tuple(target.shape)}', where='CrossEntropyLoss',
                            expected=f'integer class ids of shape {(pred.shape[0], *pred.shape[2:])} for a '
                                     f'prediction of shape {tuple(pred.shape)} (is the task reading the right label?)',
                            doc='docs/datasets.md')
        target = target.long()
        if mask is not None:
            target = target.masked_fill(~mask.bool(), self.ignore_index)
        labelled = target != self.ignore_index
        if labelled.sum() == 0:
            return pred.sum() * 0.0
        check_class_range(target[labelled], pred.shape[1], self.ignore_index)
        return F.cross_entropy(pred, target, weight=self.class_weight, ignore_index=self.ignore_index)


def check_class_range(labels: torch.Tensor, num_classes: int, ignore_index: int) -> None:
    """Class ids (the ignored ones removed) must lie in ``[0, num_classes)``: a clear error, not an IndexError."""
    low, high = torch.stack(torch.aminmax(labels)).tolist()  # one pass, one synchronisation
    if low < 0 or high >= num_classes:
        raise DataError(f'a label is {high if high >= num_classes else low}, but the head predicts {num_classes} '
                        f'classes (ids 0..{num_classes - 1}; {ignore_index} is ignored)',
                        where='CrossEntropyLoss',
                        expected='the head\'s out_channels / num_classes to cover every class',
                        doc='docs/datasets.md')


def _read_class_weights(path: str) -> list[float]:
    """Per-class weights from a 1-D ``.npy`` file, with errors that name the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'CrossEntropyLoss.class_weight: file {path!r} not found (expected a 1-D .npy array '
                                'of per-class weights; see docs/datasets.md)')
    weights = np.load(path, allow_pickle=False)
    if weights.ndim != 1 or not np.isfinite(weights).all():
        raise ValueError(f'CrossEntropyLoss.class_weight: {path!r} holds an array of shape {weights.shape}; '
                         'expected 1-D finite per-class weights')
    return weights.astype(np.float32).tolist()
