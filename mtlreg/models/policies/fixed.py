"""Fixed policies: the hand-written sharing structures that learned policies are compared with."""
from __future__ import annotations

from typing import Sequence

import torch

from mtlreg.registry import POLICIES
from mtlreg.structures.policy_file import load_policy_mask
from .base import BasePolicy


@POLICIES.register_module()
class SharedBottomPolicy(BasePolicy):
    """Every unit on for every task: hard parameter sharing (Caruana, 1997)."""

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(4,))

    gates_units = False

    def policy_gates(self, task: str) -> None:
        return None

    def derive_mask(self) -> torch.Tensor:
        return self.valid_units.expand(len(self.task_names), *self.unit_grid).clone()


@POLICIES.register_module()
class FixedMaskPolicy(BasePolicy):
    """A given boolean mask per task (a hand-written tree or a searched, discretised policy).

    Args:
        mask: ``{task: nested list of 0/1 over the unit grid}`` or a list in
            task order.
        mask_file: a policy JSON written by a search (``DiscretizePolicyHook``
            saves one per sampled policy); give ``mask`` or ``mask_file``.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(4,), mask=[[1, 1, 0, 1], [1, 0, 1, 1]])

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], mask=None, mask_file: str | None = None):
        super().__init__(task_names, unit_grid)
        if (mask is None) == (mask_file is None):
            raise ValueError('FixedMaskPolicy: give exactly one of mask and mask_file')
        if mask_file is not None:
            mask = load_policy_mask(mask_file)
        if isinstance(mask, dict):
            missing = [t for t in self.task_names if t not in mask]
            if missing:
                raise KeyError(f'FixedMaskPolicy: mask has no entry for tasks {missing}')
            mask = [mask[t] for t in self.task_names]
        mask = torch.as_tensor(mask, dtype=torch.bool)
        expected = (len(self.task_names), *self.unit_grid)
        if tuple(mask.shape) != expected:
            raise ValueError(f'FixedMaskPolicy: mask has shape {tuple(mask.shape)}, expected {expected} '
                             '(tasks × unit grid)')
        self.register_buffer('mask', mask)

    def policy_gates(self, task: str) -> torch.Tensor | None:
        g = self.mask[self.task_index(task)]
        return None if bool(g.all()) else g.float()

    def derive_mask(self) -> torch.Tensor:
        return self.mask.clone()

    def fixed_structure(self) -> torch.Tensor | None:
        return self.mask if self.mode == 'search' else super().fixed_structure()
