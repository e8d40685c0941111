"""Joint albumentations augmentation of an image and all its dense labels.

The :class:`Albumentations` transform runs one albumentations pipeline on the
image and on every dense label of a multi-task sample, so that all of them see
exactly the same geometric change. Labels are resampled with nearest-neighbour
interpolation only, pixels that a transform fills (padding, rotation borders)
are marked invalid per label kind, and surface-normal vectors are re-oriented
to match the flips and rotations that were actually applied.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Iterator, Sequence

import cv2
import numpy as np

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
import albumentations as A  # noqa: E402

from mtlreg.registry import TRANSFORMS  # noqa: E402
from .base import BaseTransform  # noqa: E402

#: Value written into label pixels that a transform fills (padding, the corners
#: uncovered by a rotation, dropped-out regions), per label kind.
DEFAULT_LABEL_FILL: dict[str, float] = {
    'segmentation': 255,
    'depth': 0.0,
    'normal': 0.0,
    'dense': 0.0,
}

#: Label kinds that are resampled together with the image.
DENSE_LABEL_TYPES = frozenset(DEFAULT_LABEL_FILL)

#: All label kinds a sample may declare in ``results['label_types']``.
LABEL_TYPES = DENSE_LABEL_TYPES | {'class'}

#: Warps that bend the image non-rigidly: a normal vector cannot follow them.
NON_RIGID_TRANSFORMS = frozenset({
    'ElasticTransform', 'GridDistortion', 'OpticalDistortion', 'Perspective',
    'PiecewiseAffine', 'ThinPlateSpline', 'GridElasticDeform',
})

#: Dual transforms that move pixels without changing their orientation.
ORIENTATION_FREE_TRANSFORMS = frozenset({'RandomGridShuffle'})

_TOL = 1e-3


def _iter_basic(transforms: Sequence[Any]) -> Iterator[A.BasicTransform]:
    """Yields every albumentations leaf transform of a (nested) pipeline.

    Args:
        transforms: Transforms and compositions, possibly nested.

    Yields:
        Each ``BasicTransform`` in depth-first order.
    """
    for t in transforms:
        if isinstance(t, A.BaseCompose):
            yield from _iter_basic(t.transforms)
        elif isinstance(t, A.BasicTransform):
            yield t


def build_albu_transform(cfg: dict | A.BasicTransform | A.BaseCompose) -> A.BasicTransform | A.BaseCompose:
    """Builds one albumentations transform (or composition) from a config dict.

    ``cfg['type']`` names a class of the ``albumentations`` namespace; the other
    keys are its constructor arguments. A ``transforms`` list (``OneOf``,
    ``SomeOf``, ``Sequential``, ...) is built recursively. Ready-made
    albumentations objects are returned unchanged.

    Args:
        cfg: Config dict such as ``dict(type='HorizontalFlip', p=0.5)``, or an
            albumentations transform instance.

    Returns:
        The albumentations transform or composition.

    Raises:
        ValueError: If the type is missing or is not an albumentations
            transform or composition.
        TypeError: If ``cfg`` is neither a dict nor an albumentations object.
    """
    if isinstance(cfg, (A.BasicTransform, A.BaseCompose)):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'An albumentations transform must be given as a config dict, got {type(cfg).__name__}')
    args = copy.deepcopy(cfg)
    type_name = args.pop('type', None)
    if not isinstance(type_name, str):
        raise ValueError(f'An albumentations config needs a string "type", got {cfg!r}')
    cls = getattr(A, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, (A.BasicTransform, A.BaseCompose))):
        raise ValueError(f'Unknown albumentations transform type {type_name!r}: it is not a transform or '
                         f'composition of albumentations {A.__version__}')
    if 'transforms' in args:
        args['transforms'] = [build_albu_transform(t) for t in args['transforms']]
    return cls(**args)


def _orthogonal_part(jac: np.ndarray) -> np.ndarray | None:
    """Computes the rotation/reflection inside a 2x2 pixel-map Jacobian, if it has one.

    A step that rotates or mirrors the image and also rescales it along the
    image axes has a Jacobian ``D @ Q`` (rotate, then scale: orthogonal rows)
    or ``Q @ D`` (scale, then rotate: orthogonal columns), with ``Q``
    orthogonal and ``D`` a positive diagonal. Axis-aligned scaling is a change
    of focal lengths and leaves camera-frame normals alone, so ``Q`` is the
    change the normals undergo. Shears have neither orthogonal rows nor
    orthogonal columns.

    Args:
        jac: 2x2 Jacobian ``d(x', y') / d(x, y)`` of the pixel map.

    Returns:
        The 2x2 orthogonal matrix ``Q``, or ``None`` for a shear or a
        degenerate map.
    """
    rows = np.linalg.norm(jac, axis=1)
    cols = np.linalg.norm(jac, axis=0)
    if np.any(rows <= 0) or np.any(cols <= 0):
        return None
    for q in (jac / rows[:, None], jac / cols[None, :]):
        if np.allclose(q @ q.T, np.eye(2), atol=_TOL):
            q = np.where(np.abs(q) < 1e-5, 0.0, q)
            return q / np.linalg.norm(q, axis=1, keepdims=True)
    return None


@TRANSFORMS.register_module()
class Albumentations(BaseTransform):
    """Applies an albumentations pipeline jointly to the image and its dense labels.

    Every key of ``results['label_types']`` whose kind is ``'segmentation'``,
    ``'depth'``, ``'normal'`` or ``'dense'`` is passed to albumentations as a
    mask, together with ``results['img']`` as the image, so image and labels
    undergo the same geometric change. ``'class'`` labels are left untouched.

    Guarantees:

    * Labels are always resampled with nearest-neighbour interpolation, whatever
      the inner configs say, so class ids stay in the original set and normal
      vectors keep unit length.
    * Pixels a transform fills (padding, rotation borders, dropout holes with a
      ``fill_mask``) get the fill of their label kind (``label_fill``): 255 for
      segmentation, 0 (invalid) for depth, normal and other dense labels. A
      ``fill_mask`` in an inner config only switches label filling on (dropout
      transforms leave labels alone without one); its value is not used.
    * Surface normals (camera frame: x right, y down, z forward) are
      re-oriented by the rotation or reflection that each applied step
      contains: flips, ``RandomRotate90``, ``Transpose``, ``D4`` /
      ``SquareSymmetry``, ``Rotate``, ``SafeRotate``, ``Affine``,
      ``ShiftScaleRotate``; e.g. ``HorizontalFlip`` negates x. Scaling along
      the image axes, also within such a step, is a change of focal lengths
      and leaves normals unchanged. Non-rigid warps (elastic, grid, optical,
      perspective, piecewise-affine, thin-plate-spline), border modes other
      than ``cv2.BORDER_CONSTANT`` and transforms that cannot report their
      pixel mapping raise ``ValueError`` on the first sample with a normal
      label; a step that shears raises ``ValueError`` when it is applied.
    * Resizing and cropping keep depth values unchanged (metric depth; a
      resize amounts to a change of focal length, not of scene geometry).

    Augmentation randomness is drawn from NumPy's global generator at each
    call, so it follows MMEngine's ``randomness`` seed and differs between
    data-loader workers.

    Args:
        transforms: albumentations configs, e.g.
            ``[dict(type='HorizontalFlip', p=0.5),
            dict(type='RandomResizedCrop', size=(64, 64), scale=(0.5, 1.0))]``.
            Compositions (``OneOf``, ``SomeOf``, ...) take their own nested
            ``transforms`` list. Ready-made albumentations objects are accepted.
        label_fill: Overrides of the fill value per label kind
            (keys ``'segmentation'``, ``'depth'``, ``'normal'``, ``'dense'``).
        p: Probability of applying the whole pipeline.

    Raises:
        ValueError: If a type is not an albumentations transform, or a
            ``label_fill`` key is not a dense label kind.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(transforms=[dict(type='HorizontalFlip', p=1.0)])

    def __init__(self,
                 transforms: Sequence[dict | A.BasicTransform | A.BaseCompose],
                 label_fill: dict[str, float] | None = None,
                 p: float = 1.0) -> None:
        self.transforms_cfg = list(transforms)
        self.label_fill = dict(DEFAULT_LABEL_FILL)
        for kind, value in (label_fill or {}).items():
            if kind not in DENSE_LABEL_TYPES:
                raise ValueError(f'label_fill key {kind!r} is not a dense label kind; '
                                 f'expected one of {sorted(DENSE_LABEL_TYPES)}')
            self.label_fill[kind] = value
        built = [build_albu_transform(t) for t in transforms]
        self._compose = A.Compose(
            built, p=p, mask_interpolation=cv2.INTER_NEAREST, save_applied_params=True)
        self._leaves = list(_iter_basic(self._compose.transforms))
        # Filled label pixels are detected through a validity mask that is
        # filled with 0; the per-kind fill is written afterwards.
        for t in self._leaves:
            if getattr(t, 'fill_mask', None) is not None:
                t.fill_mask = 0
        self._by_name: dict[str, A.BasicTransform] = {}
        for t in self._leaves:
            self._by_name.setdefault(type(t).__name__, t)
        self._num_label_targets = 0
        self._normal_checked = False

    # ------------------------------------------------------------------ helpers
    def _ensure_targets(self, num: int) -> None:
        """Registers mask targets ``label0 .. label{num-1}`` and ``valid``."""
        if num > self._num_label_targets:
            targets = {f'label{i}': 'mask' for i in range(num)}
            targets['valid'] = 'mask'
            self._compose.add_targets(targets)
            self._num_label_targets = num

    def _check_normal_support(self) -> None:
        """Rejects pipelines containing transforms that cannot carry normal vectors.

        Raises:
            ValueError: Naming the first transform that bends the image, uses a
                non-constant border mode, or cannot report its pixel mapping.
        """
        if self._normal_checked:
            return
        for t in self._leaves:
            name = type(t).__name__
            if isinstance(t, A.ImageOnlyTransform) or name in ORIENTATION_FREE_TRANSFORMS:
                continue
            if name in NON_RIGID_TRANSFORMS:
                raise ValueError(f'{name} bends the image non-rigidly; it is unsupported for normal labels '
                                 '(the normal vectors cannot be transformed consistently)')
            border_mode = getattr(t, 'border_mode', None)
            if border_mode is not None and border_mode != cv2.BORDER_CONSTANT:
                raise ValueError(f'{name} uses border_mode={border_mode}; with normal labels only '
                                 'cv2.BORDER_CONSTANT (0) is supported, since mirrored or replicated '
                                 'borders would carry wrongly oriented normal vectors')
            if 'keypoints' not in t.targets:
                raise ValueError(f'{name} does not report its pixel mapping (no keypoint support); '
                                 'it is unsupported for normal labels')
        self._normal_checked = True

    def _step_rotation(self, name: str, params: dict[str, Any]) -> np.ndarray:
        """Computes how one applied transform rotates or mirrors normal vectors.

        The pixel map of the step is probed with keypoints at three places; its
        Jacobian must be the same everywhere (affine) and have an orthogonal
        part (see ``_orthogonal_part``).

        Args:
            name: Class name of the applied transform.
            params: Its applied parameters as recorded by albumentations.

        Returns:
            2x2 orthogonal matrix acting on the normal's (x, y) components.

        Raises:
            ValueError: If the step's mapping has no rotation/reflection part.
        """
        t = self._by_name.get(name)
        if t is None or isinstance(t, A.ImageOnlyTransform) or name in ORIENTATION_FREE_TRANSFORMS:
            return np.eye(2)
        if type(t).__module__.startswith('albumentations.augmentations.dropout'):
            return np.eye(2)  # dropouts blank regions without moving pixels
        h, w = params['shape'][:2]
        step = max(1.0, 0.1 * min(h, w))
        bases = np.array([[0.3 * w, 0.3 * h], [0.7 * w, 0.4 * h], [0.4 * w, 0.7 * h]])
        pts = np.concatenate([np.stack([b, b + (step, 0.0), b + (0.0, step)]) for b in bases])
        kps = np.zeros((len(pts), 5), dtype=np.float32)
        kps[:, :2] = pts
        try:
            out = np.asarray(t.apply_to_keypoints(kps, **params), dtype=np.float64)
        except NotImplementedError as err:
            raise ValueError(f'{name} cannot report its pixel mapping; it is unsupported for normal labels') from err
        if out.shape[0] != len(pts):
            raise ValueError(f'{name} dropped probe points; it is unsupported for normal labels')
        xy = out[:, :2].reshape(len(bases), 3, 2)
        jacs = np.stack([np.stack([j[1] - j[0], j[2] - j[0]], axis=1) / step for j in xy])
        scale = np.abs(jacs[0]).max()
        if not np.allclose(jacs, jacs[0], atol=_TOL * max(scale, 1e-12)):
            raise ValueError(f'{name} is not an affine pixel map; it is unsupported for normal labels')
        rot = _orthogonal_part(jacs[0])
        if rot is None:
            raise ValueError(f'{name} applied a shear (pixel Jacobian {np.round(jacs[0], 4).tolist()}); '
                             'shears are unsupported for normal labels')
        return rot

    # ---------------------------------------------------------------- transform
    def transform(self, results: dict) -> dict:
        """Augments ``results['img']`` and its dense labels in place.

        Args:
            results: Sample dict with ``'img'``, the labels and ``'label_types'``.

        Returns:
            The same dict with augmented image and labels.

        Raises:
            KeyError: If ``'img'`` or a label listed in ``label_types`` is missing.
            ValueError: On an unknown label kind, or a transform that cannot
                carry normal labels.
        """
        if 'img' not in results:
            raise KeyError("Albumentations needs results['img']")
        label_types: dict[str, str] = results.get('label_types', {}) or {}
        labels: list[tuple[str, str]] = []
        for key, kind in label_types.items():
            if kind not in LABEL_TYPES:
                raise ValueError(f'Label {key!r} has unknown label type {kind!r}; expected one of '
                                 f'{sorted(LABEL_TYPES)}')
            if kind == 'class':
                continue
            if key not in results:
                raise KeyError(f'Label {key!r} is listed in label_types but missing from the sample')
            labels.append((key, kind))
        has_normal = any(kind == 'normal' for _, kind in labels)
        if has_normal:
            self._check_normal_support()

        img = results['img']
        data: dict[str, Any] = {'image': img}
        if labels:
            self._ensure_targets(len(labels))
            data['valid'] = np.ones(img.shape[:2], dtype=np.uint8)
            for i, (key, _) in enumerate(labels):
                data[f'label{i}'] = results[key]
        self._compose.set_random_seed(int(np.random.randint(0, 2**31 - 1)))
        out = self._compose(**data)

        results['img'] = out['image']
        if 'img_shape' in results:
            results['img_shape'] = out['image'].shape[:2]
        if not labels:
            return results
        invalid = out['valid'] == 0
        rot = np.eye(2)
        if has_normal:
            for name, params in out.get('applied_transforms', []):
                rot = self._step_rotation(name, params) @ rot
        for i, (key, kind) in enumerate(labels):
            orig = results[key]
            arr = np.asarray(out[f'label{i}'])
            if kind == 'normal' and not np.allclose(rot, np.eye(2)):
                arr = arr.astype(np.float32, copy=True)
                arr[..., :2] = arr[..., :2] @ rot.T.astype(np.float32)
            arr = arr.astype(orig.dtype, copy=True) if arr.dtype != orig.dtype else np.array(arr, copy=True)
            if invalid.any():
                arr[invalid] = self.label_fill[kind]
            results[key] = arr
        return results


    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(transforms={self.transforms_cfg!r}, label_fill={self.label_fill!r})'
