"""A fixed random part of a dataset held out from it (e.g. a validation split carved from training data)."""
from __future__ import annotations

import numpy as np

from mtlreg.registry import DATASETS


@DATASETS.register_module()
class HoldoutDataset:
    """The held-out part of a dataset, or the rest of it.

    Some releases have no validation split (AdaShare's NYUv2 lists train,
    train1, train2 and test only), yet a learned policy must be selected on
    data it was not trained on and not on the test set. ``HoldoutDataset``
    draws a fixed random ``fraction`` of the wrapped dataset with ``seed``;
    ``part='holdout'`` gives those samples, ``part='rest'`` the others, so two
    configs with the same ``fraction`` and ``seed`` split the data disjointly.

    Args:
        dataset: the dataset config (or dataset) to split.
        fraction: share held out, in (0, 1). Defaults to 0.1.
        part: ``'holdout'`` or ``'rest'``. Defaults to 'holdout'.
        seed: seed of the draw. Defaults to 0.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(dataset=dict(type='ScenesDataset', resolution=8, max_samples=4, pipeline=[dict(type='PackMultiTaskInputs')]))

    def __init__(self, dataset, fraction: float = 0.1, part: str = 'holdout', seed: int = 0):
        if not 0.0 < fraction < 1.0:
            raise ValueError(f'HoldoutDataset: fraction must lie in (0, 1), got {fraction!r}')
        if part not in ('holdout', 'rest'):
            raise ValueError(f"HoldoutDataset: part must be 'holdout' or 'rest', got {part!r}")
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        n = len(self.dataset)
        if n < 2:
            raise ValueError(f'HoldoutDataset: the wrapped dataset has {n} sample(s); need at least 2 to split')
        held = min(n - 1, max(1, round(fraction * n)))
        order = np.random.default_rng(seed).permutation(n)
        chosen = np.sort(order[:held] if part == 'holdout' else order[held:])
        self.indices = chosen.tolist()
        self.fraction, self.part, self.seed = fraction, part, seed

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int):
        return self.dataset[self.indices[idx]]
