"""The interface every gated backbone (a supernet of addressable units) follows."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class GatedBackbone(nn.Module):
    """A supernet of shared units that runs one task's path given its gates.

    A backbone declares ``unit_grid`` (the shape of its grid of units, e.g.
    ``(num_blocks,)`` for a ResNet) and ``out_channels``; ``forward(x, gates)``
    runs the network where ``gates`` (a tensor of shape ``unit_grid``, values in
    [0, 1]) says how much each unit takes part for one task. ``gates=None``
    means every unit fully on, which lets tasks that share everything run the
    backbone once.
    """

    #: Shape of the unit grid, e.g. ``(8,)`` for ResNet-18's residual blocks.
    unit_grid: tuple[int, ...] = ()
    #: Channels of the feature map ``forward`` returns.
    out_channels: int = 0
    #: Total stride of the returned feature map relative to the input.
    output_stride: int = 1
    #: What the units are, for the policies that can drive this backbone (``BasePolicy.drives``):
    #: ``'blocks'`` (a sequence of skippable blocks), ``'components'`` (modular layers), ``'links'``
    #: (the links of a DAG).
    unit_kind: str = 'blocks'
    #: Whether every unit of every instance can be skipped (gate 0); see :meth:`skippable_units`.
    units_always_skippable: bool = True

    def unit_names(self) -> list[str]:
        """Module names of the units in grid order (flattened)."""
        raise NotImplementedError

    def valid_units(self) -> torch.Tensor:
        """Boolean mask over ``unit_grid`` of the entries that hold a unit (all, unless the grid is sparse)."""
        return torch.ones(self.unit_grid, dtype=torch.bool)

    def unit_parameter_counts(self) -> torch.Tensor:
        """Parameters of each unit, shape ``unit_grid`` (0 where the grid holds no unit)."""
        counts = [sum(p.numel() for p in self.get_submodule(n).parameters()) if n else 0 for n in self.unit_names()]
        return torch.tensor(counts, dtype=torch.long).reshape(self.unit_grid)

    def skippable_units(self) -> torch.Tensor:
        """Boolean mask over ``unit_grid`` of the units a task may skip (all by default)."""
        return self.valid_units().clone()

    def skip_parameter_counts(self) -> torch.Tensor:
        """Parameters a *skipped* unit still runs, shape ``unit_grid`` (0 by default).

        A residual block skipped by a task still runs its shortcut: the downsample projection where
        the block has one.
        """
        return torch.zeros(self.unit_grid, dtype=torch.long)

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def compile_compact(self, mask: torch.Tensor, task_names: Sequence[str], copy_modules: bool = True) -> nn.Module:
        """The compact backbone of a discrete policy: only the units each task uses, shared ones once.

        ``mask`` is boolean, ``[len(task_names), *unit_grid]``; the result maps ``(x, tasks)`` to
        ``{task: features}``, equal to the gated passes in eval mode (see docs/deployment.md). A backbone
        that can be compiled overrides this, usually by describing its execution to one of the
        compilers of :mod:`mtlreg.models.compact` (a chain of blocks, modular layers, a DAG of states);
        a backbone of a new shape brings its own compiler. ``copy_modules=False`` shares the backbone's
        modules (the model's compact execution during training) instead of copying them (export).
        """
        raise NotImplementedError(f'{type(self).__name__} does not describe a compact execution '
                                  '(it does not override GatedBackbone.compile_compact)')

    @property
    def compilable(self) -> bool:
        """Whether :meth:`compile_compact` is implemented."""
        return type(self).compile_compact is not GatedBackbone.compile_compact

    def check_gates(self, gates: torch.Tensor | None) -> None:
        """Raise a clear error when ``gates`` does not match ``unit_grid``."""
        if gates is not None and tuple(gates.shape) != tuple(self.unit_grid):
            raise ValueError(f'{type(self).__name__} expects gates of shape {tuple(self.unit_grid)} '
                             f'(its unit grid), got {tuple(gates.shape)}')
