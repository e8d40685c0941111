"""Omniglot handwritten characters, one alphabet per task (Lake et al. 2015)."""
from __future__ import annotations

import csv
import functools
import math
import os
import os.path as osp
import zipfile
import zlib
from typing import Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS
from mtlreg.utils.errors import DataError

ALPHABETS_FILE = 'alphabets.csv'
NPZ_FILES = ('images_background.npz', 'images_evaluation.npz')
NUM_DRAWINGS = 20  # drawers per character
IMAGE_SIDE = 105
SPLITS = ('train', 'val', 'test')
_INT_COLUMNS = ('row_start', 'row_stop', 'n_characters', 'first_char_id', 'last_char_id')
_COLUMNS = ('alphabet', 'set', 'npz_file') + _INT_COLUMNS
_CHUNK = 64  # characters decoded at a time


def _missing_files_error(data_root: str, missing: Sequence[str]) -> FileNotFoundError:
    return FileNotFoundError(
        f'OmniglotDataset: data_root {data_root!r} lacks {list(missing)}; expected {ALPHABETS_FILE}, '
        f'{NPZ_FILES[0]} and {NPZ_FILES[1]} (see docs/datasets/omniglot.md for the layout and where '
        'to get them)')


def read_alphabets(data_root: str = 'data/omniglot') -> list[dict]:
    """Read ``alphabets.csv`` of an Omniglot data root.

    Args:
        data_root: directory holding ``alphabets.csv``.

    Returns:
        The rows in file order, as dicts with the keys ``alphabet``, ``set``,
        ``npz_file`` (str) and ``row_start``, ``row_stop`` (exclusive),
        ``n_characters``, ``first_char_id``, ``last_char_id`` (int).

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If a column is missing or a number does not parse.
    """
    path = osp.join(data_root, ALPHABETS_FILE)
    if not osp.isfile(path):
        raise _missing_files_error(data_root, [ALPHABETS_FILE])
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        lacking = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
        if lacking:
            raise ValueError(f'{path!r} lacks the columns {lacking}')
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                rows.append({c: int(row[c]) if c in _INT_COLUMNS else row[c] for c in _COLUMNS})
            except (TypeError, ValueError) as e:
                raise ValueError(f'{path!r} line {line}: {e}') from None
    return rows


def check_split_fractions(split_fractions: Sequence[float]) -> tuple[int, int]:
    """Check ``(train, val, test)`` fractions of a character's 20 drawings.

    Returns:
        The boundaries ``(b1, b2)``: of a character's permuted drawings,
        ``[:b1]`` are train, ``[b1:b2]`` val and ``[b2:]`` test, where
        ``b1 = round(20 * train)`` and ``b2 = round(20 * (train + val))``.

    Raises:
        ValueError: Unless there are three finite non-negative numbers that sum
            to 1 and give every split at least one drawing.
    """
    try:
        fractions = [float(f) for f in split_fractions]
    except (TypeError, ValueError):
        raise ValueError(f'OmniglotDataset: split_fractions must be three numbers, got {split_fractions!r}') from None
    if len(fractions) != 3 or not all(math.isfinite(f) and f >= 0 for f in fractions) \
            or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError('OmniglotDataset: split_fractions must be three non-negative numbers '
                         f'(train, val, test) summing to 1, got {split_fractions!r}')
    b1 = round(NUM_DRAWINGS * fractions[0])
    b2 = round(NUM_DRAWINGS * (fractions[0] + fractions[1]))
    if not 0 < b1 < b2 < NUM_DRAWINGS:
        raise ValueError(f'OmniglotDataset: split_fractions {split_fractions!r} give '
                         f'{b1}/{b2 - b1}/{NUM_DRAWINGS - b2} of the {NUM_DRAWINGS} drawings of a character to '
                         'train/val/test; every split needs at least one')
    return b1, b2


def split_drawings(global_row: int, split_fractions: Sequence[float] = (0.5, 0.2, 0.3),
                   split_seed: int = 0) -> dict[str, np.ndarray]:
    """Which drawings (drawer indices 0..19) of a character fall in each split.

    The drawings are permuted by ``numpy.random.default_rng([split_seed,
    global_row]).permutation(20)`` and cut by :func:`check_split_fractions`,
    so the split depends only on these arguments.

    Args:
        global_row: the character's Omniglot id minus one (0..1622).
        split_fractions: ``(train, val, test)`` fractions.
        split_seed: non-negative seed.

    Returns:
        ``{'train': idx, 'val': idx, 'test': idx}``, each sorted.
    """
    b1, b2 = check_split_fractions(split_fractions)
    perm = np.random.default_rng([int(split_seed), int(global_row)]).permutation(NUM_DRAWINGS)
    return dict(train=np.sort(perm[:b1]), val=np.sort(perm[b1:b2]), test=np.sort(perm[b2:]))


def _windows(size: int) -> list[tuple[int, int]]:
    """The input pixel range ``[start, stop)`` of every output pixel along one axis.

    These are the windows of ``torch.nn.functional.interpolate(mode='area')``
    (adaptive average pooling): ``[floor(i * 105 / size), ceil((i + 1) * 105 / size))``.
    """
    return [((i * IMAGE_SIDE) // size, -(-(i + 1) * IMAGE_SIDE // size)) for i in range(size)]


def _sum_rows(images: np.ndarray, windows: list[tuple[int, int]], dtype) -> np.ndarray:
    """Sum ``images`` ``(n, H, W)`` over the row windows: ``(n, len(windows), W)``."""
    out = np.empty((images.shape[0], len(windows), images.shape[2]), dtype)
    for i, (start, stop) in enumerate(windows):
        np.sum(images[:, start:stop], axis=1, dtype=dtype, out=out[:, i])
    return out


def _to_uint8(background: np.ndarray, size: int | None) -> np.ndarray:
    """Bool ``(..., 105, 105)`` images, True = background, to uint8 with ink = 255, area-averaged to ``size``."""
    # Compare the bytes: the released npz files store True as the byte 255, not 1.
    ink = (background.view(np.uint8) == 0).view(np.uint8)
    if size is None:
        return ink * np.uint8(255)
    windows = _windows(size)
    flat = ink.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    rows = _sum_rows(flat, windows, np.uint8)  # at most 105 ink pixels per sum
    counts = _sum_rows(np.ascontiguousarray(rows.transpose(0, 2, 1)), windows, np.uint16).transpose(0, 2, 1)
    sides = np.array([stop - start for start, stop in windows], np.int32)
    area = np.outer(sides, sides)
    value = (510 * counts.astype(np.int32) + area) // (2 * area)  # round(255 * ink / area), halves up; exact
    return value.astype(np.uint8).reshape(*background.shape[:-2], size, size)


def _read_npy_header(f) -> tuple[tuple, bool, np.dtype]:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise ValueError(f'unsupported .npy format version {version}')


@functools.lru_cache(maxsize=8)
def _load_images_cached(path: str, mtime_ns: int, image_size: int | None) -> np.ndarray:
    del mtime_ns  # part of the cache key only
    try:
        with zipfile.ZipFile(path) as archive, archive.open('images.npy') as f:
            shape, fortran_order, dtype = _read_npy_header(f)
            if dtype != np.bool_ or fortran_order or len(shape) != 4 \
                    or tuple(shape[1:]) != (NUM_DRAWINGS, IMAGE_SIDE, IMAGE_SIDE):
                raise ValueError(f"'images' is {dtype} {tuple(shape)} (fortran_order={fortran_order}), expected "
                                 f'a C-ordered bool array (n_characters, {NUM_DRAWINGS}, {IMAGE_SIDE}, {IMAGE_SIDE})')
            side = IMAGE_SIDE if image_size is None else image_size
            out = np.empty((shape[0], NUM_DRAWINGS, side, side), np.uint8)
            per_char = NUM_DRAWINGS * IMAGE_SIDE * IMAGE_SIDE
            # Decompress and convert a few characters at a time (the whole file is ~200 MB of bools).
            for start in range(0, shape[0], _CHUNK):
                n = min(_CHUNK, shape[0] - start)
                data = f.read(n * per_char)
                if len(data) != n * per_char:
                    raise ValueError(f"'images' ends after {start * per_char + len(data)} of "
                                     f'{shape[0] * per_char} bytes')
                chunk = np.frombuffer(data, np.bool_).reshape(n, NUM_DRAWINGS, IMAGE_SIDE, IMAGE_SIDE)
                out[start:start + n] = _to_uint8(chunk, image_size)
    except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
        raise DataError(f'is not a readable Omniglot npz file ({e or type(e).__name__})', where=path,
                        expected='images_background.npz / images_evaluation.npz of the Omniglot release',
                        doc='docs/datasets/omniglot.md') from None
    out.setflags(write=False)  # shared by every dataset of the process
    return out


def load_omniglot_images(path: str, image_size: int | None = 28) -> np.ndarray:
    """All images of one Omniglot npz file as read-only uint8, ink = 255.

    Loaded once per process: the result is cached by (absolute path,
    modification time, image_size).

    Args:
        path: ``images_background.npz`` or ``images_evaluation.npz``.
        image_size: side of the area-averaged square images; ``None`` keeps
            105×105.

    Returns:
        uint8 array ``(n_characters, 20, image_size, image_size)``.
    """
    path = osp.abspath(path)
    if image_size == IMAGE_SIDE:
        image_size = None
    return _load_images_cached(path, os.stat(path).st_mtime_ns, image_size)


@DATASETS.register_module()
class OmniglotDataset(BaseDataset):
    """One Omniglot alphabet as a classification task; classes are its characters.

    Layout: ``data_root`` holds ``alphabets.csv``, ``images_background.npz``
    and ``images_evaluation.npz`` (see ``docs/datasets/omniglot.md``). Class i
    is the alphabet's i-th character in row order (``metainfo['classes']``:
    ``character01``, ...). Each character's 20 drawings are split into
    train/val/test (10/4/6 by default) by :func:`split_drawings`: a
    permutation seeded with ``split_seed`` and the character's global row
    (Omniglot id - 1), so the split is the same in every process and for
    every alphabet. Images are uint8 with ink = 255 and background = 0,
    area-averaged to ``image_size``; each npz file is read once per process
    (:func:`load_omniglot_images`).

    Args:
        data_root: directory with the three files. Defaults to ``data/omniglot``.
        alphabet: official alphabet name, as in ``alphabets.csv`` (e.g. ``Greek``).
        split: ``train``, ``val`` or ``test``. Defaults to ``train``.
        label: key of the class label in a sample (the task's label). Defaults to ``class``.
        image_size: side of the square images; ``None`` keeps 105. Defaults to 28.
        split_fractions: ``(train, val, test)`` fractions of each character's
            20 drawings. Defaults to ``(0.5, 0.2, 0.3)``.
        split_seed: seed of the split (non-negative int). Defaults to 0.
        pipeline: transforms.
        **kwargs: passed to ``BaseDataset`` (``lazy_init``, ``metainfo``, ...).
    """

    #: None: building an example needs files on disk (tests/datasets covers it with real or fake files)
    example_args = None

    METAINFO = dict(classes=())

    def __init__(self, data_root: str = 'data/omniglot', alphabet: str | None = None, split: str = 'train',
                 label: str = 'class', image_size: int | None = 28,
                 split_fractions: Sequence[float] = (0.5, 0.2, 0.3), split_seed: int = 0,
                 pipeline: Sequence = (), **kwargs):
        if split not in SPLITS:
            raise ValueError(f'OmniglotDataset: split must be "train", "val" or "test", got {split!r}')
        check_split_fractions(split_fractions)
        if isinstance(split_seed, bool) or not isinstance(split_seed, (int, np.integer)) or split_seed < 0:
            raise ValueError(f'OmniglotDataset: split_seed must be a non-negative int, got {split_seed!r}')
        if image_size is not None and (isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer))
                                       or not 1 <= image_size <= IMAGE_SIDE):
            raise ValueError(f'OmniglotDataset: image_size must be None or an int in 1..{IMAGE_SIDE}, '
                             f'got {image_size!r}')
        rows = {r['alphabet']: r for r in read_alphabets(data_root)}
        if alphabet not in rows:
            raise ValueError(f'OmniglotDataset: unknown alphabet {alphabet!r}; the alphabets of '
                             f'{osp.join(data_root, ALPHABETS_FILE)!r} are {list(rows)}')
        row = rows[alphabet]
        if row['row_stop'] - row['row_start'] != row['n_characters'] or row['n_characters'] < 1:
            raise ValueError(f'OmniglotDataset: {ALPHABETS_FILE} row of {alphabet!r} is inconsistent: {row}')
        if not osp.isfile(osp.join(data_root, row['npz_file'])):
            raise _missing_files_error(data_root, [row['npz_file']])
        self.alphabet, self.split, self.label = alphabet, split, label
        self.image_size = None if image_size is None else int(image_size)
        self.split_fractions, self.split_seed = tuple(split_fractions), int(split_seed)
        self._row = row
        classes = tuple(f'character{i:02d}' for i in range(1, row['n_characters'] + 1))
        metainfo = dict(classes=classes, **(kwargs.pop('metainfo', None) or {}))
        super().__init__(data_root=data_root, metainfo=metainfo, pipeline=list(pipeline), serialize_data=False,
                         **kwargs)

    def load_data_list(self) -> list[dict]:
        row = self._row
        images = load_omniglot_images(osp.join(self.data_root, row['npz_file']), self.image_size)
        if row['row_stop'] > len(images):
            raise ValueError(f"OmniglotDataset: {ALPHABETS_FILE} puts {self.alphabet!r} at rows "
                             f"{row['row_start']}:{row['row_stop']} but {row['npz_file']!r} has {len(images)}")
        data_list = []
        for label, char_row in enumerate(range(row['row_start'], row['row_stop'])):
            global_row = row['first_char_id'] - 1 + label
            for drawer in split_drawings(global_row, self.split_fractions, self.split_seed)[self.split]:
                data_list.append({'img': images[char_row, drawer], self.label: label,
                                  'label_types': {self.label: 'class'}})
        return data_list


__all__ = ['ALPHABETS_FILE', 'NPZ_FILES', 'OmniglotDataset', 'check_split_fractions', 'load_omniglot_images',
           'read_alphabets', 'split_drawings']
