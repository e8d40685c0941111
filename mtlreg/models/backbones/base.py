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
    #: (the links of a DAG), ``'branches'`` (the nodes of a tree of branches).
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

    def task_features(self, x: torch.Tensor, tasks: Sequence[str], policy, compact: bool = True
                      ) -> dict[str, torch.Tensor]:
        """Features per task under the policy's gates; what tasks share runs once where it can.

        With ``compact`` and a fixed discrete policy, the compiled compact network runs (see
        :meth:`compact_executor`). Otherwise every task whose units are all on shares the plain pass,
        tasks whose gates are equal and carry no gradient (a fixed or evaluated policy) share one gated
        pass, and soft, differentiable gates run a pass per task.
        """
        executor = self.compact_executor(policy) if compact else None
        if executor is not None:
            return executor(x, tasks)
        feats, passes = {}, []  # passes: (gates or None, features)
        for t in tasks:
            gates = policy.gates(t)
            shareable = gates is None or not gates.requires_grad
            for done_gates, done_feats in passes if shareable else ():
                if (gates is None and done_gates is None) or (
                        gates is not None and done_gates is not None and torch.equal(gates, done_gates)):
                    feats[t] = done_feats
                    break
            else:
                feats[t] = self(x) if gates is None else self(x, gates)
                if shareable:
                    passes.append((gates, feats[t]))
        return feats

    def regularizers(self) -> dict[str, torch.Tensor]:
        """Terms the backbone adds to the objective, from its latest training forward pass (none by default)."""
        return {}

    def compact_executor(self, policy) -> nn.Module | None:
        """The compiled compact network of the policy's fixed discrete structure (on this backbone's modules).

        None when the policy has no fixed structure or the backbone cannot be compiled. Every task runs
        only its units and what tasks share runs once per batch (:mod:`mtlreg.models.compact`); outputs
        and gradients equal the gated passes'. Batch-norm running statistics of a shared unit are updated
        once per batch instead of once per task pass. The compiled network is kept until the mask changes.
        """
        mask = policy.fixed_structure()
        if mask is None or not self.compilable:
            return None
        key = (mask.detach().cpu().numpy().tobytes(), tuple(policy.task_names))
        cached = self.__dict__.get('_compact_cache')
        if cached is None or cached[0] != key:
            executor = self.compile_compact(mask.cpu(), list(policy.task_names), copy_modules=False)
            self.__dict__['_compact_cache'] = (key, executor)  # not a submodule: its modules are this backbone's
        return self.__dict__['_compact_cache'][1]

    def shared_parameters(self) -> list[nn.Parameter]:
        """The parameters every task's loss can reach (for gradient-level balancers): all of them."""
        return list(self.parameters())

    def parameter_counts(self, policy, task_names: Sequence[str]) -> dict:
        """Backbone parameters the discrete policy uses: ``total``, ``tasks`` (per task), ``single_task``.

        Units no task uses are not counted; a skipped unit's shortcut projection is (the skip runs it).
        ``single_task`` is K copies of the whole backbone, the reference of the papers' parameter ratios.
        """
        unit_sizes = self.unit_parameter_counts().flatten()
        skip_sizes = self.skip_parameter_counts().flatten()  # what a skipped unit still runs
        whole = sum(p.numel() for p in self.parameters())
        always = whole - int(unit_sizes.sum())
        mask = policy.discretize().reshape(len(task_names), -1).cpu()
        valid = policy.valid_units.flatten().cpu()
        tasks = {t: always + int(unit_sizes[mask[k]].sum()) + int(skip_sizes[~mask[k] & valid].sum())
                 for k, t in enumerate(task_names)}
        used = mask.any(0)
        total = always + int(unit_sizes[used].sum()) + int(skip_sizes[~used & valid].sum())
        return {'total': total, 'tasks': tasks, 'single_task': len(task_names) * whole}

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
