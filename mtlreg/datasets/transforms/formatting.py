"""Image normalisation and packing of multi-task samples into tensors.

``NormalizeImage`` turns the image into normalised float32; ``PackMultiTaskInputs``
is the last transform of a pipeline and produces the packed sample
``{'inputs': Tensor[C, H, W], 'data_samples': {label_key: Tensor}}``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from mtlreg.registry import TRANSFORMS

#: Label kinds understood by :class:`PackMultiTaskInputs`.
PACKABLE_LABEL_TYPES = ('segmentation', 'depth', 'normal', 'dense', 'class')


@TRANSFORMS.register_module()
class NormalizeImage:
    """Computes ``(img / 255 - mean) / std`` as float32 for ``results['img']``.

    A uint8 image is first scaled to [0, 1]; a floating-point image is assumed
    to be in [0, 1] already. ``mean`` and ``std`` are given in that [0, 1]
    scale, one value per channel (a single value for a HxW image, or one value
    broadcast to all channels).

    Args:
        mean: Per-channel mean in [0, 1] scale.
        std: Per-channel standard deviation in [0, 1] scale.
        to_rgb: Reverse the channel order (BGR to RGB) before normalising.

    Raises:
        ValueError: If a ``std`` value is not positive, or at call time if the
            number of ``mean``/``std`` values does not match the image channels.
    """

    def __init__(self,
                 mean: Sequence[float] | float = (0.485, 0.456, 0.406),
                 std: Sequence[float] | float = (0.229, 0.224, 0.225),
                 to_rgb: bool = False) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float32))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float32))
        if self.mean.ndim != 1 or self.std.ndim != 1 or len(self.mean) != len(self.std):
            raise ValueError(f'mean and std must be flat sequences of equal length, got {mean!r} and {std!r}')
        if np.any(self.std <= 0):
            raise ValueError(f'std values must be positive, got {std!r}')
        self.to_rgb = to_rgb

    def transform(self, results: dict) -> dict:
        """Normalises ``results['img']`` in the dict.

        Args:
            results: Sample dict with ``'img'`` (HxW or HxWxC, uint8 or float).

        Returns:
            The dict with ``'img'`` as float32 of the same shape.

        Raises:
            KeyError: If ``'img'`` is missing.
            ValueError: If the number of mean/std values fits neither one nor
                all image channels.
        """
        if 'img' not in results:
            raise KeyError("NormalizeImage needs results['img']")
        img = np.asarray(results['img'])
        img = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
        channels = 1 if img.ndim == 2 else img.shape[-1]
        if self.to_rgb:
            if img.ndim != 3 or channels != 3:
                raise ValueError(f'to_rgb needs a HxWx3 image, got shape {img.shape}')
            img = img[..., ::-1]
        if len(self.mean) not in (1, channels):
            raise ValueError(f'NormalizeImage has {len(self.mean)} mean/std values but the image has '
                             f'{channels} channel(s) (shape {img.shape})')
        mean = self.mean if img.ndim == 3 else self.mean[0]
        std = self.std if img.ndim == 3 else self.std[0]
        results['img'] = np.ascontiguousarray((img - mean) / std, dtype=np.float32)
        return results

    def __call__(self, results: dict) -> dict:
        """Normalises the image of a sample; see :meth:`transform`.

        Args:
            results: Sample dict.

        Returns:
            The sample dict.
        """
        return self.transform(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mean={self.mean.tolist()}, std={self.std.tolist()}, '
                f'to_rgb={self.to_rgb})')


def _to_chw(arr: np.ndarray) -> np.ndarray:
    """Computes a channel-first view of a HxW or HxWxC array as [C, H, W]."""
    if arr.ndim == 2:
        return arr[None]
    if arr.ndim == 3:
        return arr.transpose(2, 0, 1)
    raise ValueError(f'expected a HxW or HxWxC array, got shape {arr.shape}')


def pack_label(key: str, kind: str, value) -> torch.Tensor:
    """Converts one label into the tensor layout of its kind.

    Args:
        key: Label key (for error messages).
        kind: Label kind: ``'segmentation'`` -> int64 [H, W]; ``'depth'`` and
            ``'dense'`` -> float32 [C, H, W] (C = 1 for a HxW map);
            ``'normal'`` -> float32 [3, H, W]; ``'class'`` -> int64 scalar.
        value: The label as a NumPy array, tensor or (for ``'class'``) int.

    Returns:
        The label tensor.

    Raises:
        ValueError: On an unknown kind or a shape that does not fit the kind.
    """
    if kind == 'class':
        arr = np.asarray(value)
        if arr.size != 1:
            raise ValueError(f'Class label {key!r} must be a single integer, got shape {arr.shape}')
        return torch.tensor(int(arr.reshape(())), dtype=torch.int64)
    if isinstance(value, torch.Tensor):
        value = value.numpy()
    arr = np.asarray(value)
    if kind == 'segmentation':
        if arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim != 2:
            raise ValueError(f'Segmentation label {key!r} must be HxW, got shape {arr.shape}')
        return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.int64))
    if kind in ('depth', 'dense'):
        return torch.from_numpy(np.ascontiguousarray(_to_chw(arr), dtype=np.float32))
    if kind == 'normal':
        if arr.ndim != 3 or arr.shape[-1] != 3:
            raise ValueError(f'Normal label {key!r} must be HxWx3, got shape {arr.shape}')
        return torch.from_numpy(np.ascontiguousarray(_to_chw(arr), dtype=np.float32))
    raise ValueError(f'Label {key!r} has unknown label type {kind!r}; expected one of {list(PACKABLE_LABEL_TYPES)}')


@TRANSFORMS.register_module()
class PackMultiTaskInputs:
    """Packs a sample into ``{'inputs': Tensor[C, H, W], 'data_samples': {key: Tensor}}``.

    ``results['img']`` (HxW or HxWxC, any numeric dtype) becomes a float32
    [C, H, W] tensor; its values are not rescaled, so put ``NormalizeImage``
    before this transform (or normalise in the model's data preprocessor).
    Every label in ``results['label_types']`` (or only those in ``keys``) is
    converted by kind: segmentation -> int64 [H, W]; depth, dense (edge,
    keypoint heatmaps, ...) -> float32 [1, H, W]; normal -> float32 [3, H, W];
    class -> int64 scalar.

    Args:
        keys: Label keys to pack; ``None`` packs every key of ``label_types``.

    Raises:
        KeyError: At call time, if ``'img'`` or a label to pack is missing, or a
            key of ``keys`` is not listed in ``label_types``.
        ValueError: At call time, on an unknown label kind or a bad shape.
    """

    def __init__(self, keys: Sequence[str] | None = None) -> None:
        self.keys = None if keys is None else list(keys)

    def transform(self, results: dict) -> dict:
        """Builds the packed sample from a results dict.

        Args:
            results: Sample dict with ``'img'``, the labels and ``'label_types'``.

        Returns:
            ``{'inputs': Tensor, 'data_samples': {label_key: Tensor}}``.

        Raises:
            KeyError: If the image or a label is missing.
            ValueError: On an unknown label kind or a bad shape.
        """
        if 'img' not in results:
            raise KeyError("PackMultiTaskInputs needs results['img']")
        img = results['img']
        if isinstance(img, torch.Tensor):
            img = img.numpy()
        inputs = torch.from_numpy(np.ascontiguousarray(_to_chw(np.asarray(img)), dtype=np.float32))
        label_types: dict[str, str] = results.get('label_types', {}) or {}
        keys = list(label_types) if self.keys is None else self.keys
        data_samples: dict[str, torch.Tensor] = {}
        for key in keys:
            if key not in label_types:
                raise KeyError(f'Label {key!r} requested by PackMultiTaskInputs(keys=...) is not listed in '
                               f"results['label_types'] {sorted(label_types)}")
            if key not in results:
                raise KeyError(f'Label {key!r} is listed in label_types but missing from the sample')
            data_samples[key] = pack_label(key, label_types[key], results[key])
        return {'inputs': inputs, 'data_samples': data_samples}

    def __call__(self, results: dict) -> dict:
        """Packs a sample; see :meth:`transform`.

        Args:
            results: Sample dict.

        Returns:
            The packed sample.
        """
        return self.transform(results)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys!r})'
