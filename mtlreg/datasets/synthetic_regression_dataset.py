"""Regression tasks of controlled relatedness (the generator of MMoE, used by Gumbel-Matrix)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

_SPLIT_OFFSETS = {'train': 0, 'val': 1, 'test': 2}


def task_weights(groups: Sequence[int], rho: float, dim: int = 128, scale: float = 1.0,
                 seed: int = 0) -> torch.Tensor:
    """The weight vector ``w`` of every task, ``[tasks, dim]`` (Maziarz et al., App. A1; Ma et al. 2018).

    Each group of tasks gets two orthogonal unit vectors ``u1, u2``, orthogonal
    to those of every other group as well (one orthonormal set drawn with
    ``seed``). The first task of a group has ``w = c·u1``; every further task
    of the group has ``w = c(ρ·u1 + √(1 − ρ²)·u2)``. Tasks of one group thus
    have cosine similarity ρ; tasks of different groups are unrelated.
    """
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f'rho must lie in [-1, 1], got {rho}')
    group_ids = sorted(set(groups))
    if 2 * len(group_ids) > dim:
        raise ValueError(f'{len(group_ids)} groups need 2 orthogonal directions each, more than dim={dim}')
    g = torch.Generator().manual_seed(seed)
    basis, _ = torch.linalg.qr(torch.randn(dim, 2 * len(group_ids), generator=g, dtype=torch.float64))
    weights, seen = [], set()
    for group in groups:
        j = group_ids.index(group)
        u1, u2 = basis[:, 2 * j], basis[:, 2 * j + 1]
        weights.append(scale * u1 if group not in seen else scale * (rho * u1 + math.sqrt(1.0 - rho ** 2) * u2))
        seen.add(group)
    return torch.stack(weights)


def synthetic_targets(x: torch.Tensor, w: torch.Tensor, num_sines: int = 6) -> torch.Tensor:
    """``y = wᵀx + Σ_{i=1..m} sin(α_i·wᵀx + β_i)``, ``α_i = i``, ``β_i = (i − 1)²``, without the noise."""
    proj = x @ w
    return proj + sum(torch.sin(i * proj + (i - 1) ** 2) for i in range(1, num_sines + 1))


@DATASETS.register_module()
class SyntheticRegressionDataset(BaseDataset):
    """One regression task of a family whose relatedness is set by ``rho`` and ``groups``.

    The generator of Maziarz et al., App. A1 (after Ma et al., "Modeling Task
    Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
    2018): ``x ~ N(0, I_d)`` and ``y = wᵀx + Σ_i sin(α_i wᵀx + β_i) + ε`` with
    ``ε ~ N(0, noise_std²)`` (the paper: ``N(0, 0.01)``, i.e. ``noise_std = 0.1``).
    ``groups`` lists the group of every task of the family (Sec. II: ``(0, 0)``
    with ρ ∈ {0, 1}; App. A3: ``(0, 0, 1, 1)`` with ρ = 1, two related pairs);
    ``task_index`` picks this dataset's task. Every task of a family must use
    the same ``groups``, ``rho``, ``dim``, ``scale`` and ``direction_seed``.
    Each task and split draws its own inputs (per-task batches), seeded by
    ``seed``, the task and the split. A sample is ``{'img': float32 [d],
    label: float32 [1]}``.

    Args:
        task_index: this task's position in ``groups``.
        groups: the group of every task. Defaults to ``(0, 0)``.
        rho: relatedness ρ within a group. Defaults to 1.0.
        num_samples: samples in this split. Defaults to 10000.
        split: ``train``, ``val`` or ``test`` (different inputs). Defaults to ``train``.
        dim: d. Defaults to 128.
        scale: c. Defaults to 1.0.
        num_sines: m. Defaults to 6.
        noise_std: standard deviation of ε. Defaults to 0.1.
        direction_seed: seed of the task directions. Defaults to 0.
        seed: seed of the inputs and the noise. Defaults to 0.
        label: the key of the target in a sample. Defaults to ``y``.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(task_index=0, num_samples=4, dim=8, pipeline=[dict(type='PackMultiTaskInputs')])

    def __init__(self, task_index: int, groups: Sequence[int] = (0, 0), rho: float = 1.0, num_samples: int = 10000,
                 split: str = 'train', dim: int = 128, scale: float = 1.0, num_sines: int = 6,
                 noise_std: float = 0.1, direction_seed: int = 0, seed: int = 0, label: str = 'y',
                 pipeline: Sequence = (), **kwargs):
        if split not in _SPLIT_OFFSETS:
            raise ValueError(f'SyntheticRegressionDataset: split must be one of {list(_SPLIT_OFFSETS)}, got {split!r}')
        if not 0 <= task_index < len(groups):
            raise ValueError(f'SyntheticRegressionDataset: task_index {task_index} is outside groups {list(groups)}')
        if num_samples < 1:
            raise ValueError(f'SyntheticRegressionDataset: num_samples must be >= 1, got {num_samples}')
        self.task_index, self.groups, self.rho, self.num_samples = task_index, tuple(groups), rho, num_samples
        self.split, self.dim, self.scale, self.num_sines = split, dim, scale, num_sines
        self.noise_std, self.direction_seed, self.seed, self.label = noise_std, direction_seed, seed, label
        super().__init__(pipeline=pipeline, serialize_data=False, **kwargs)

    def load_data_list(self) -> list[dict]:
        w = task_weights(self.groups, self.rho, self.dim, self.scale, self.direction_seed)[self.task_index]
        g = torch.Generator().manual_seed(
            self.seed * 1000003 + 1009 * self.task_index + _SPLIT_OFFSETS[self.split])
        x = torch.randn(self.num_samples, self.dim, generator=g, dtype=torch.float64)
        noise = self.noise_std * torch.randn(self.num_samples, generator=g, dtype=torch.float64)
        y = synthetic_targets(x, w, self.num_sines) + noise
        x, y = x.float().numpy(), y.float().numpy().reshape(-1, 1)
        label_types = {self.label: 'value'}
        return [{'img': x[i], self.label: y[i], 'label_types': label_types} for i in range(self.num_samples)]
