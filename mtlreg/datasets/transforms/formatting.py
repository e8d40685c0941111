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
from .base import BaseTransform

#: Label kinds understood by :class:`PackMultiTaskInputs`.
PACKABLE_LABEL_TYPES = ('segmentation', 'depth', 'normal', 'dense', 'class', 'value')

#: ImageNet channel statistics (RGB, [0, 1] scale), the default normalisation.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def normalize_image(img: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Computes ``(img / 255 - mean) / std`` (uint8) or ``(img - mean) / std`` (float) as float32.

    ``mean`` and ``std`` hold one value per channel, or a single value for all
    channels. A single-channel image (HxW or HxWx1) given several values uses
    their averages, so the ImageNet defaults also serve grayscale images.

    Args:
        img: HxW or HxWxC image; uint8 is scaled to [0, 1] first, floats are
            taken to be in [0, 1] already.
        mean: 1-D per-channel mean in [0, 1] scale.
        std: 1-D per-channel standard deviation in [0, 1] scale.

    Returns:
        The normalised float32 image, same shape.

    Raises:
        ValueError: If the number of values fits neither one nor all channels.
    """
    img = np.asarray(img)
    img = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
    channels = 1 if img.ndim == 2 else img.shape[-1]
    if len(mean) != channels and len(mean) != 1:
        if channels != 1:
            raise ValueError(f'{len(mean)} mean/std values given but the image has {channels} channels '
                             f'(shape {img.shape})')
        mean, std = mean.mean(keepdims=True), std.mean(keepdims=True)
    if img.ndim == 2:
        mean, std = mean[0], std[0]
    return np.ascontiguousarray((img - mean) / std, dtype=np.float32)


def _as_stats(mean: Sequence[float] | float, std: Sequence[float] | float) -> tuple[np.ndarray, np.ndarray]:
    """Computes validated 1-D float32 arrays of mean and std values."""
    if std is None:
        raise ValueError('std must be given together with mean')
    mean_arr = np.atleast_1d(np.asarray(mean, dtype=np.float32))
    std_arr = np.atleast_1d(np.asarray(std, dtype=np.float32))
    if mean_arr.ndim != 1 or std_arr.ndim != 1 or len(mean_arr) != len(std_arr):
        raise ValueError(f'mean and std must be flat sequences of equal length, got {mean!r} and {std!r}')
    if np.any(std_arr <= 0):
        raise ValueError(f'std values must be positive, got {std!r}')
    return mean_arr, std_arr


@TRANSFORMS.register_module()
class NormalizeImage(BaseTransform):
    """Computes ``(img / 255 - mean) / std`` as float32 for ``results['img']``.

    A uint8 image is first scaled to [0, 1]; a floating-point image is assumed
    to be in [0, 1] already. ``mean`` and ``std`` are given in that [0, 1]
    scale, one value per channel or one value for all channels; a
    single-channel image given several values uses their averages.

    Args:
        mean: Per-channel mean in [0, 1] scale.
        std: Per-channel standard deviation in [0, 1] scale.
        to_rgb: Reverse the channel order (BGR to RGB) before normalising.

    Raises:
        ValueError: If a ``std`` value is not positive, or at call time if the
            number of ``mean``/``std`` values does not fit the image channels.
    """

    def __init__(self,
                 mean: Sequence[float] | float = IMAGENET_MEAN,
                 std: Sequence[float] | float = IMAGENET_STD,
                 to_rgb: bool = False) -> None:
        self.mean, self.std = _as_stats(mean, std)
        self.to_rgb = to_rgb

    def transform(self, results: dict) -> dict:
        """Normalises ``results['img']`` in the dict.

        Args:
            results: Sample dict with ``'img'`` (HxW or HxWxC, uint8 or float).

        Returns:
            The dict with ``'img'`` as float32 of the same shape.

        Raises:
            KeyError: If ``'img'`` is missing.
            ValueError: If ``to_rgb`` is set for a non-3-channel image, or the
                mean/std values do not fit the image channels.
        """
        if 'img' not in results:
            raise KeyError("NormalizeImage needs results['img']")
        img = np.asarray(results['img'])
        if self.to_rgb:
            if img.ndim != 3 or img.shape[-1] != 3:
                raise ValueError(f'to_rgb needs a HxWx3 image, got shape {img.shape}')
            img = img[..., ::-1]
        results['img'] = normalize_image(img, self.mean, self.std)
        return results


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
            ``'normal'`` -> float32 [3, H, W]; ``'class'`` -> int64 scalar;
            ``'value'`` (a regression target) -> float32 of the value's shape.
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
    if kind == 'value':
        return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
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
class PackMultiTaskInputs(BaseTransform):
    """Packs a sample into ``{'inputs': Tensor[C, H, W], 'data_samples': {key: Tensor}}``.

    A 1-D ``img`` (a feature vector) becomes a float32 ``[D]`` tensor.

    ``results['img']`` (HxW or HxWxC) becomes a normalised float32 [C, H, W]
    tensor: a uint8 image is normalised here with ``mean``/``std`` (as by
    :class:`NormalizeImage`); a floating-point image is taken to be
    normalised already (e.g. by ``NormalizeImage`` earlier in the pipeline)
    and is only converted. With ``mean=None`` no image is rescaled.
    Every label in ``results['label_types']`` (or only those in ``keys``) is
    converted by kind: segmentation -> int64 [H, W]; depth, dense (edge,
    keypoint heatmaps, ...) -> float32 [1, H, W]; normal -> float32 [3, H, W];
    class -> int64 scalar; value (a regression target) -> float32.

    Args:
        keys: Label keys to pack; ``None`` packs every key of ``label_types``.
        mean: Per-channel mean in [0, 1] scale for uint8 images, or ``None``
            to leave the image values as they are.
        std: Per-channel standard deviation in [0, 1] scale.

    Raises:
        ValueError: If ``std`` has non-positive values, or at call time on an
            unknown label kind, a bad shape or mean/std values that do not fit
            the image channels.
        KeyError: At call time, if ``'img'`` or a label to pack is missing, or a
            key of ``keys`` is not listed in ``label_types``.
    """

    def __init__(self,
                 keys: Sequence[str] | None = None,
                 mean: Sequence[float] | float | None = IMAGENET_MEAN,
                 std: Sequence[float] | float | None = IMAGENET_STD) -> None:
        self.keys = None if keys is None else list(keys)
        self.mean, self.std = (None, None) if mean is None else _as_stats(mean, std)

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
        img = np.asarray(img)
        if self.mean is not None and img.dtype == np.uint8:
            img = normalize_image(img, self.mean, self.std)
        chw = img if img.ndim == 1 else _to_chw(img)  # a feature vector stays as it is
        inputs = torch.from_numpy(np.ascontiguousarray(chw, dtype=np.float32))
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


    def __repr__(self) -> str:
        stats = 'None' if self.mean is None else f'{self.mean.tolist()}, std={self.std.tolist()}'
        return f'{self.__class__.__name__}(keys={self.keys!r}, mean={stats})'
