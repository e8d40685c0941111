"""Disjoint index ranges of the scenes splits."""
from __future__ import annotations

#: Default split sizes; ``train1`` and ``train2`` are the two halves of ``train``.
DEFAULT_SPLIT_SIZES = {'train': 2000, 'val': 200, 'test': 200}
SPLITS = ('train', 'train1', 'train2', 'val', 'test')


def split_range(split: str, split_sizes: dict = None) -> range:
    """Computes the scene indices of a split.

    Layout: ``train = [0, n_train)``, ``train1`` its first half
    (``n_train // 2`` scenes), ``train2`` the rest, ``val`` the next ``n_val``
    indices and ``test`` the ``n_test`` after those.

    Args:
        split: One of ``SPLITS``.
        split_sizes: Overrides of ``DEFAULT_SPLIT_SIZES`` (keys 'train', 'val', 'test').

    Returns:
        The range of scene indices.

    Raises:
        ValueError: On an unknown split or split-size key, or a negative size.
    """
    if split not in SPLITS:
        raise ValueError(f'Unknown scenes split {split!r}; valid splits are {", ".join(SPLITS)}.')
    sizes = dict(DEFAULT_SPLIT_SIZES)
    unknown = set(split_sizes or {}) - set(sizes)
    if unknown:
        raise ValueError(f'Unknown split_sizes keys {sorted(unknown)}; valid keys are {sorted(sizes)}.')
    sizes.update(split_sizes or {})
    if any(int(n) < 0 for n in sizes.values()):
        raise ValueError(f'Split sizes must be non-negative, got {sizes}.')
    n_train, n_val, n_test = int(sizes['train']), int(sizes['val']), int(sizes['test'])
    return {
        'train': range(0, n_train),
        'train1': range(0, n_train // 2),
        'train2': range(n_train // 2, n_train),
        'val': range(n_train, n_train + n_val),
        'test': range(n_train + n_val, n_train + n_val + n_test),
    }[split]
