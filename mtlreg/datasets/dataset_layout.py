"""Shared helpers of the loaders of released multi-task datasets (Taskonomy, NYUv2, Cityscapes).

The helpers check that a dataset root and its index files exist, pick a split,
read PNG and ``.npy`` files with errors that name the file and the sample, and
turn the stored encodings into the raw-sample convention of mtlreg:
'segmentation' int64 HxW (255 = ignore), 'depth' float32 HxW (0 = invalid),
'normal' float32 HxWx3 (zero vector = invalid), 'dense' float32 HxW.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import re
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
from PIL import Image

#: Where the expected directory trees and encodings are documented.
DOCS_PAGE = 'docs/datasets.md'

#: Ignore value of segmentation labels in mtlreg.
IGNORE_INDEX = 255


def layout_hint(layout: str) -> str:
    """Computes the tail of an error message: the expected layout and the docs page."""
    return f'Expected layout:\n{layout.rstrip()}\nSee {DOCS_PAGE} for where to get the data and how it is decoded.'


def require_dir(path: str, dataset: str, layout: str, what: str = 'root') -> None:
    """Checks that a directory exists.

    Args:
        path: Directory to check.
        dataset: Dataset name, for the message.
        layout: A few lines showing the expected tree.
        what: What the directory is (e.g. 'root').

    Raises:
        FileNotFoundError: Naming the path, the expected layout and the docs page.
    """
    if not osp.isdir(path):
        raise FileNotFoundError(f'{dataset}: {what} directory {path!r} does not exist. {layout_hint(layout)}')


def require_file(path: str, dataset: str, layout: str, what: str = 'file') -> None:
    """Checks that an index file (split JSON, prior file) exists.

    Raises:
        FileNotFoundError: Naming the path, the expected layout and the docs page.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{dataset}: {what} {path!r} does not exist. {layout_hint(layout)}')


def load_split_json(path: str, dataset: str) -> dict:
    """Reads a JSON file that maps split names to lists of samples.

    Raises:
        ValueError: If the file is not valid JSON or not a dict of lists.
    """
    try:
        with open(path, encoding='utf-8') as f:
            info = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{dataset}: {path!r} is not valid JSON ({err})') from err
    if not isinstance(info, dict) or not all(isinstance(v, list) for v in info.values()):
        raise ValueError(f'{dataset}: {path!r} must hold a JSON object mapping split names to lists of samples')
    return info


def select_split(splits: Mapping[str, Any], split: str, dataset: str, source: str) -> Any:
    """Returns ``splits[split]``.

    Args:
        splits: Split name -> samples.
        split: Requested split.
        dataset: Dataset name, for the message.
        source: Where the splits come from (file or directory), for the message.

    Raises:
        ValueError: On an unknown split, listing the available ones.
    """
    if split not in splits:
        raise ValueError(f'{dataset}: unknown split {split!r}; {source} provides the splits {sorted(splits)}')
    return splits[split]


def read_id_list(path: str) -> list[str]:
    """Reads a split file that lists one sample id per line (empty lines skipped)."""
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def check_entry(entry: Any, length: int, names: Sequence[str], dataset: str, source: str, index: int) -> list[str]:
    """Checks that one JSON sample entry is a list of ``length`` relative paths.

    Raises:
        ValueError: Naming the entry and the expected fields.
    """
    if not isinstance(entry, (list, tuple)) or len(entry) != length or not all(isinstance(p, str) for p in entry):
        raise ValueError(f'{dataset}: entry {index} of {source} is {entry!r}; expected a list of {length} relative '
                         f'paths ({", ".join(names)})')
    return list(entry)


def _sample_text(sample: str) -> str:
    return f' (sample {sample})' if sample else ''


def require_sample_file(path: str, dataset: str, sample: str) -> None:
    """Checks that a file listed for a sample exists.

    Raises:
        FileNotFoundError: Naming the file and the sample.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{dataset}: file {path!r} listed for sample {sample} does not exist '
                                f'(see {DOCS_PAGE} for the expected layout)')


def read_png(path: str, dataset: str, sample: str = '', mode: Optional[str] = None) -> np.ndarray:
    """Reads a PNG (or other image) file into an array, keeping 16-bit values.

    Args:
        path: Image file.
        dataset: Dataset name, for messages.
        sample: Sample description, for messages.
        mode: ``'RGB'`` converts palette, grey and RGBA images to 8-bit RGB;
            ``None`` keeps the stored values (palette indices, uint8, uint16).

    Returns:
        HxW or HxWxC array; 16-bit grey images come back as uint16.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If the file cannot be decoded.
    """
    require_sample_file(path, dataset, sample)
    try:
        with Image.open(path) as im:
            if mode == 'RGB' and im.mode != 'RGB':
                if im.mode in ('I;16', 'I;16B', 'I;16L', 'I', 'F'):
                    raise ValueError(f'{dataset}: {path!r}{_sample_text(sample)} is a single-channel '
                                     f'{im.mode} image; expected an 8-bit RGB image')
                im = im.convert('RGB')
            arr = np.array(im)
    except (OSError, SyntaxError) as err:
        raise ValueError(f'{dataset}: cannot decode image {path!r}{_sample_text(sample)}: {err}') from err
    if arr.dtype == np.int32 and arr.ndim == 2 and arr.size and arr.min() >= 0 and arr.max() <= 65535:
        arr = arr.astype(np.uint16)  # some Pillow versions open 16-bit grey PNGs as 32-bit 'I'
    return arr


def load_npy(path: str, dataset: str, sample: str = '') -> np.ndarray:
    """Reads a ``.npy`` array (no pickles).

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it is not a readable numeric array.
    """
    require_sample_file(path, dataset, sample)
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f'{dataset}: cannot read {path!r}{_sample_text(sample)} as a .npy array: {err}') from err
    if not isinstance(arr, np.ndarray) or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f'{dataset}: {path!r}{_sample_text(sample)} holds {getattr(arr, "dtype", type(arr))}; '
                         'expected a numeric array')
    return arr


def shape_error(path: str, dataset: str, sample: str, arr: np.ndarray, expected: str) -> ValueError:
    """Builds the ValueError raised for a file whose array has the wrong shape or dtype."""
    return ValueError(f'{dataset}: {path!r}{_sample_text(sample)} holds a {arr.dtype} array of shape '
                      f'{arr.shape}; expected {expected}')


def as_hw(arr: np.ndarray, path: str, dataset: str, sample: str, what: str) -> np.ndarray:
    """Returns an HxW view of an HxW or HxWx1 array (also HxWxC with equal channels).

    Raises:
        ValueError: For any other shape.
    """
    if arr.ndim == 3 and arr.shape[-1] == 1:
        return arr[..., 0]
    if arr.ndim == 3 and arr.shape[-1] in (3, 4) and (arr[..., :3] == arr[..., :1]).all():
        return arr[..., 0]  # a grey map saved with repeated channels
    if arr.ndim != 2:
        raise shape_error(path, dataset, sample, arr, f'an HxW (or HxWx1) {what}')
    return arr


def check_same_size(arr: np.ndarray, size: tuple, path: str, dataset: str, sample: str, what: str) -> None:
    """Checks that a label has the image's height and width.

    Raises:
        ValueError: Naming the file and the expected size.
    """
    if tuple(arr.shape[:2]) != tuple(size):
        raise shape_error(path, dataset, sample, arr, f'a {what} of the image size {size[0]}x{size[1]}')


def float_image_to_uint8(img: np.ndarray, path: str, dataset: str, sample: str, to_uint8: bool) -> np.ndarray:
    """Checks an HxWx3 float image in [0, 1] and returns it as rounded uint8 or float32.

    Raises:
        ValueError: If the array is not HxWx3 floating point in [0, 1].
    """
    if img.ndim != 3 or img.shape[-1] != 3 or not np.issubdtype(img.dtype, np.floating):
        raise shape_error(path, dataset, sample, img, 'an HxWx3 float image with values in [0, 1]')
    if img.size and (np.nanmin(img) < -1e-3 or np.nanmax(img) > 1 + 1e-3):
        raise ValueError(f'{dataset}: {path!r}{_sample_text(sample)} has values in [{np.nanmin(img):.4g}, '
                         f'{np.nanmax(img):.4g}]; expected an RGB image scaled to [0, 1]')
    if to_uint8:
        return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def segmentation_from_ids(ids: np.ndarray, num_classes: int, path: str, dataset: str, sample: str,
                          offset: int = 0) -> np.ndarray:
    """Converts stored class values to int64 class ids with 255 as ignore.

    A stored value ``v`` becomes ``v - offset`` when that lies in
    ``[0, num_classes)``; every other value (negative, 255, out of range)
    becomes 255.

    Raises:
        ValueError: If the values are not integers.
    """
    if np.issubdtype(ids.dtype, np.floating):
        finite = np.isfinite(ids)
        if not finite.all() or (ids[finite] != np.round(ids[finite])).any():
            raise shape_error(path, dataset, sample, ids, 'integer class values (possibly stored as floats)')
    elif not np.issubdtype(ids.dtype, np.integer) and ids.dtype != bool:
        raise shape_error(path, dataset, sample, ids, 'integer class values')
    classes = ids.astype(np.int64) - offset
    out = np.full(classes.shape, IGNORE_INDEX, dtype=np.int64)
    keep = (classes >= 0) & (classes < num_classes)
    out[keep] = classes[keep]
    return out


def depth_map(depth: np.ndarray, path: str, dataset: str, sample: str) -> np.ndarray:
    """Checks a float depth map (HxW or HxWx1) and returns it as float32 HxW, non-finite and negative -> 0.

    Raises:
        ValueError: If it is not a numeric single-channel map.
    """
    depth = as_hw(depth, path, dataset, sample, 'depth map')
    depth = depth.astype(np.float32)
    bad = ~np.isfinite(depth) | (depth < 0)
    if bad.any():
        depth = depth.copy()
        depth[bad] = 0.0
    return depth


def normal_map(normal: np.ndarray, path: str, dataset: str, sample: str) -> np.ndarray:
    """Checks a float HxWx3 normal map in [-1, 1] and returns it as float32 (non-finite pixels -> zero vector).

    Raises:
        ValueError: If it is not HxWx3.
    """
    if normal.ndim != 3 or normal.shape[-1] != 3 or not np.issubdtype(normal.dtype, np.number):
        raise shape_error(path, dataset, sample, normal, 'an HxWx3 normal map with values in [-1, 1]')
    normal = normal.astype(np.float32)
    bad = ~np.isfinite(normal).all(axis=-1)
    if bad.any():
        normal = normal.copy()
        normal[bad] = 0.0
    return normal


def normal_from_uint8(rgb: np.ndarray, path: str, dataset: str, sample: str,
                      zero_is_invalid: bool = False) -> np.ndarray:
    """Decodes an 8-bit RGB normal image: ``value / 255 * 2 - 1`` per channel.

    Args:
        rgb: HxWx3 (or HxWx4, alpha dropped) uint8 array.
        zero_is_invalid: Pixels stored as (0, 0, 0) become the zero vector (invalid).

    Raises:
        ValueError: If the array is not HxWx3 uint8.
    """
    if rgb.ndim == 3 and rgb.shape[-1] == 4:
        rgb = rgb[..., :3]
    if rgb.ndim != 3 or rgb.shape[-1] != 3 or rgb.dtype != np.uint8:
        raise shape_error(path, dataset, sample, rgb, 'an 8-bit RGB normal image (HxWx3 uint8)')
    normal = rgb.astype(np.float32) * (2.0 / 255.0) - 1.0
    if zero_is_invalid:
        normal[(rgb == 0).all(axis=-1)] = 0.0
    return normal


def check_tasks(tasks: Optional[Iterable[str]], valid: Sequence[str], dataset: str) -> tuple:
    """Returns the kept tasks (all of ``valid`` for None) after checking them.

    Raises:
        ValueError: On an unknown or repeated task, or an empty selection.
    """
    tasks = tuple(valid) if tasks is None else tuple(tasks)
    unknown = [t for t in tasks if t not in valid]
    if unknown:
        raise ValueError(f'{dataset}: unknown tasks {unknown}; valid tasks are {list(valid)}')
    if not tasks or len(set(tasks)) != len(tasks):
        raise ValueError(f'{dataset}: tasks must be a non-empty list without repeats, got {list(tasks)}')
    return tasks


def resolve_root(root: str, kwargs: dict, default: str, dataset: str) -> str:
    """Returns the dataset root, accepting ``data_root`` (as MNISTDataset names it) as an alias of ``root``.

    ``data_root`` is removed from ``kwargs``.

    Raises:
        ValueError: If both are given and differ.
    """
    data_root = kwargs.pop('data_root', None)
    if data_root is None:
        return root
    if root != default and osp.normpath(root) != osp.normpath(data_root):
        raise ValueError(f'{dataset}: root={root!r} and data_root={data_root!r} disagree; give only root')
    return data_root


def npy_index_splits(root: str, splits: Sequence[str], image_dir: str, dataset: str) -> dict:
    """Lists the ``<i>.npy`` files of ``<root>/<split>/<image_dir>`` for each split folder present.

    Returns:
        Split name -> sorted integer indices.

    Raises:
        ValueError: If a file name is not ``<integer>.npy``.
    """
    found = {}
    for split in splits:
        folder = osp.join(root, split, image_dir)
        if not osp.isdir(folder):
            continue
        indices = []
        for name in os.listdir(folder):
            if not name.endswith('.npy'):
                continue
            if not re.fullmatch(r'\d+\.npy', name):
                raise ValueError(f'{dataset}: {osp.join(folder, name)!r} is not named <integer>.npy')
            indices.append(int(name[:-4]))
        found[split] = sorted(indices)
    return found


def select_npy_split(root: str, split: str, folder: str, image_dir: str, dataset: str, layout: str) -> list[int]:
    """Returns the sample indices of a split of an MTAN-style npy layout.

    The layout has the splits 'train' and 'val', and 'test' reads 'val'.

    Raises:
        ValueError: On another split name, listing the splits present.
        FileNotFoundError: If the split's image folder is missing.
    """
    if split not in ('train', 'val', 'test'):
        present = sorted(s for s in ('train', 'val') if osp.isdir(osp.join(root, s, image_dir)))
        present += ['test'] if 'val' in present else []
        raise ValueError(f'{dataset}: unknown split {split!r}; {root!r} provides the splits {sorted(present)} '
                         "('test' reads 'val')")
    require_dir(osp.join(root, folder, image_dir), dataset, layout, what=f'split {split!r}')
    return npy_index_splits(root, (folder,), image_dir, dataset)[folder]


def class_map(arr: np.ndarray, path: str, dataset: str, sample: str, size: tuple, num_classes: int,
              offset: int = 0) -> np.ndarray:
    """Checks a stored class map (HxW or HxWx1) against the image size and decodes it (255 = ignore)."""
    seg = as_hw(arr, path, dataset, sample, 'class map')
    check_same_size(seg, size, path, dataset, sample, 'segmentation map')
    return segmentation_from_ids(seg, num_classes, path, dataset, sample, offset=offset)


def depth_npy(path: str, dataset: str, sample: str, size: tuple) -> np.ndarray:
    """Reads a float depth ``.npy`` (0 = invalid) and checks it against the image size."""
    depth = depth_map(load_npy(path, dataset, sample), path, dataset, sample)
    check_same_size(depth, size, path, dataset, sample, 'depth map')
    return depth


class ReleasedDatasetMixin:
    """What the loaders of released datasets share: one data-list entry per sample, fetched lazily.

    A subclass sets ``self.samples`` (a list of ``{key: relative path}`` or
    path lists), ``self.root``, ``self.split``, ``self.tasks`` and
    ``self.label_types``, and implements ``load_sample(files, sample)``
    returning the image and the kept labels.
    """

    def load_data_list(self) -> list:
        """Lists one entry per sample of the split, with its relative paths."""
        return [{'files': files, 'entry_index': i} for i, files in enumerate(self.samples)]

    def load_npy_image_seg_depth(self, files: dict, sample: str) -> dict:
        """Reads an npy release's float image and, where kept, its class map and depth map.

        Needs ``self.img_to_uint8`` and ``self.num_classes``.
        """
        name = type(self).__name__
        path = osp.join(self.root, files['img'])
        img = float_image_to_uint8(load_npy(path, name, sample), path, name, sample, self.img_to_uint8)
        size = img.shape[:2]
        out = {'img': img}
        if 'seg' in self.tasks:
            path = osp.join(self.root, files['seg'])
            out['seg'] = class_map(load_npy(path, name, sample), path, name, sample, size, self.num_classes)
        if 'depth' in self.tasks:
            out['depth'] = depth_npy(osp.join(self.root, files['depth']), name, sample, size)
        return out

    def image_file(self, files) -> str:
        return files['img'] if isinstance(files, dict) else files[0]

    def get_data_info(self, idx: int) -> dict:
        """Returns the raw sample at ``idx``: image, kept labels, 'label_types', 'sample_idx', 'img_path'."""
        info = super().get_data_info(idx)
        files = info.pop('files')
        sample = f'{info["entry_index"]} of split {self.split!r} ({self.image_file(files)})'
        out = self.load_sample(files, sample)
        info.update({'img': out['img'], **{t: out[t] for t in self.tasks}})
        info['img_path'] = osp.join(self.root, self.image_file(files))
        info['label_types'] = dict(self.label_types)
        return info
