"""Tiny head outputs, predictions and labels of every label kind, for tests of losses and metrics.

A loss or a metric declares the label kinds it accepts (``label_kinds``, e.g. ``('segmentation',)``);
the registry tests give it these examples, so a plugin's module is exercised by the same suite. The
kinds are those a dataset declares in ``label_types`` and ``PackMultiTaskInputs`` packs.
"""
from __future__ import annotations

import torch

#: every label kind, with the layout of one sample's label (``pack_label``)
LABEL_KINDS = {'segmentation': 'int64 [H, W] class ids', 'depth': 'float32 [1, H, W], 0 where invalid',
               'normal': 'float32 [3, H, W] unit vectors', 'dense': 'float32 [C, H, W]',
               'class': 'int64 scalar class id', 'value': 'float32 [D] regression target'}

#: classes of the segmentation and classification examples
NUM_CLASSES = 3


def example_output_and_label(kind: str, batch: int = 2, size: int = 4, seed: int = 0
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """A head's raw output (requiring grad) and the batch of labels of ``kind``, for a loss."""
    g = torch.Generator().manual_seed(seed)
    shapes = {'segmentation': (NUM_CLASSES, size, size), 'depth': (1, size, size), 'normal': (3, size, size),
              'dense': (1, size, size), 'class': (NUM_CLASSES,), 'value': (1,)}
    if kind not in shapes:
        raise KeyError(f'unknown label kind {kind!r}; the kinds are {sorted(LABEL_KINDS)}')
    output = torch.randn((batch, *shapes[kind]), generator=g).requires_grad_()
    return output, example_label(kind, batch, size, seed)


def example_label(kind: str, batch: int = 2, size: int = 4, seed: int = 0) -> torch.Tensor:
    """A batch of labels of ``kind`` in the layout ``PackMultiTaskInputs`` gives them."""
    g = torch.Generator().manual_seed(seed + 1)
    if kind == 'segmentation':
        return torch.randint(0, NUM_CLASSES, (batch, size, size), generator=g)
    if kind == 'depth':
        return torch.rand((batch, 1, size, size), generator=g) + 0.1
    if kind == 'normal':
        return torch.nn.functional.normalize(torch.randn((batch, 3, size, size), generator=g), dim=1)
    if kind == 'dense':
        return torch.rand((batch, 1, size, size), generator=g)
    if kind == 'class':
        return torch.randint(0, NUM_CLASSES, (batch,), generator=g)
    if kind == 'value':
        return torch.randn((batch, 1), generator=g)
    raise KeyError(f'unknown label kind {kind!r}; the kinds are {sorted(LABEL_KINDS)}')


def example_prediction(kind: str, batch: int = 2, size: int = 4, seed: int = 0) -> torch.Tensor:
    """A batch of predictions of ``kind`` as a head's ``predict`` gives them (class ids, maps, vectors)."""
    if kind in ('segmentation', 'class'):
        return example_label(kind, batch, size, seed + 7)
    return example_label(kind, batch, size, seed + 7) + (0.05 if kind in ('depth', 'dense') else 0.0)


def example_samples(task: str, kind: str, batch: int = 2, size: int = 4, seed: int = 0) -> list[dict]:
    """What the model gives a metric: one ``{task: {'pred': ..., 'gt': ...}}`` per sample."""
    preds, labels = example_prediction(kind, batch, size, seed), example_label(kind, batch, size, seed)
    return [{task: {'pred': p, 'gt': y}} for p, y in zip(preds, labels)]
