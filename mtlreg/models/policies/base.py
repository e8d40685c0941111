"""The interface of a sharing policy: per-task gates over a backbone's unit grid."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.structures.policy_report import PolicyReport, ReportFigure

#: The modes a policy runs in. ``search``: the policy's own (learned) gates;
#: ``warmup``: its gates before the search (every unit on, unless the policy
#: says otherwise); ``fixed``: a discrete mask set by :meth:`BasePolicy.fix`.
POLICY_MODES = ('search', 'warmup', 'fixed')


def mask_from_probabilities(probs: torch.Tensor, mode: str = 'argmax', seed: int | None = None,
                            owner: str = 'policy') -> torch.Tensor:
    """A boolean mask from per-unit probabilities: ``p ≥ 0.5`` (``'argmax'``), or Bernoulli draws with ``seed``."""
    probs = probs.detach()
    if mode == 'argmax':
        return probs >= 0.5
    if mode == 'sample':
        g = torch.Generator(device='cpu')
        if seed is not None:
            g.manual_seed(seed)
        return torch.bernoulli(probs.cpu(), generator=g).bool().to(probs.device)
    raise ValueError(f"{owner}.derive_mask: mode must be 'argmax' or 'sample', got {mode!r}")


class BasePolicy(nn.Module):
    """Owns the per-task architecture parameters and turns them into gates.

    The model builds a policy with the task names and the backbone's unit grid.
    ``gates(task)`` returns a tensor of shape ``unit_grid`` (values in [0, 1]),
    or ``None`` when every unit is fully on. ``regularizers()`` returns the
    policy's own loss terms (already weighted) by name; ``discretize()`` returns
    the boolean mask ``[num_tasks, *unit_grid]`` the search settles on.

    A policy runs in one of three modes (a buffer, so it travels with
    checkpoints): ``search`` (its own gates and regularisers), ``warmup``
    (:meth:`warmup_gates`, no regularisers) and ``fixed`` (the mask given to
    :meth:`fix`; no regularisers). Stage hooks switch the mode; the state dict
    keeps the same keys in every mode, so a run resumes in any stage.

    Subclasses implement :meth:`policy_gates`, :meth:`derive_mask` and, where
    they have them, :meth:`policy_regularizers`, :meth:`warmup_gates` and
    :meth:`probabilities`. :meth:`report` describes the policy for
    ``PolicyReportHook``; a method with its own vocabulary (a DAG's
    sub-networks, task embeddings) overrides it.

    Args:
        task_names: the tasks, in the model's order.
        unit_grid: the backbone's unit grid.
    """

    #: the backbone unit kinds (``GatedBackbone.unit_kind``) the policy can drive; None: any
    drives: tuple[str, ...] | None = None
    #: whether the policy gates units at all (a policy that never does also drives task-conditioned backbones)
    gates_units: bool = True
    #: whether the search may switch any unit off for a task (the backbone must be able to skip it)
    skips_units: bool = False

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int]):
        super().__init__()
        self.task_names = list(task_names)
        self.unit_grid = tuple(unit_grid)
        self.register_buffer('mode_index', torch.tensor(0))
        self.register_buffer('fixed_mask', torch.ones((len(self.task_names), *self.unit_grid), dtype=torch.bool))
        self.register_buffer('valid_units', torch.ones(self.unit_grid, dtype=torch.bool), persistent=False)
        #: what schedule hooks may set during training, with the value a schedule starts from:
        #: ``{buffer name: initial value}`` (see :meth:`register_schedulable`)
        self.schedulable: dict[str, float | int] = {}

    def register_schedulable(self, name: str, value: float | int) -> None:
        """A buffer that a schedule hook sets during training (a temperature, a curriculum).

        ``value`` is its initial value, which is also where the hook's schedule starts unless the hook is
        given a start of its own; a hook that targets a name the policy does not declare is refused
        before training.
        """
        self.register_buffer(name, torch.tensor(value))
        self.schedulable[name] = value

    def set_valid_units(self, valid: torch.Tensor) -> None:
        """Which entries of a sparse unit grid hold a unit (the backbone's ``valid_units()``)."""
        valid = torch.as_tensor(valid, dtype=torch.bool)
        if tuple(valid.shape) != self.unit_grid:
            raise ValueError(f'{type(self).__name__}.set_valid_units: mask has shape {tuple(valid.shape)}, '
                             f'expected the unit grid {self.unit_grid}')
        self.valid_units = valid.to(self.fixed_mask.device)
        self.fixed_mask.copy_(self.fixed_mask & self.valid_units)

    # ---------------------------------------------------------------- modes
    @property
    def mode(self) -> str:
        return POLICY_MODES[int(self.mode_index)]

    def set_mode(self, mode: str) -> None:
        """Switch to ``'search'``, ``'warmup'`` or ``'fixed'`` (the last needs :meth:`fix` first)."""
        if mode not in POLICY_MODES:
            raise ValueError(f'{type(self).__name__}: mode must be one of {POLICY_MODES}, got {mode!r}')
        self.mode_index.fill_(POLICY_MODES.index(mode))

    def fix(self, mask: torch.Tensor) -> None:
        """Run from now on with the discrete ``mask`` ``[num_tasks, *unit_grid]``."""
        mask = torch.as_tensor(mask, dtype=torch.bool)
        if tuple(mask.shape) != tuple(self.fixed_mask.shape):
            raise ValueError(f'{type(self).__name__}.fix: mask has shape {tuple(mask.shape)}, expected '
                             f'{tuple(self.fixed_mask.shape)} (tasks × unit grid)')
        self.fixed_mask.copy_(mask.to(self.fixed_mask.device))
        self.set_mode('fixed')

    # ---------------------------------------------------------------- public
    def gates(self, task: str) -> torch.Tensor | None:
        """The gates of ``task`` in the current mode (``None``: every unit fully on)."""
        k = self.task_index(task)
        mode = self.mode
        if mode == 'fixed':
            g = self.fixed_mask[k]
            return None if bool(g[self.valid_units].all()) else g.float()
        if mode == 'warmup':
            return self.warmup_gates(task)
        return self.policy_gates(task)

    def regularizers(self) -> dict[str, torch.Tensor]:
        """Weighted regularisation terms added to the objective (only while searching)."""
        return self.policy_regularizers() if self.mode == 'search' else {}

    def discretize(self, *args, **kwargs) -> torch.Tensor:
        """The boolean unit mask ``[num_tasks, *unit_grid]`` (the fixed mask once fixed).

        Arguments (e.g. a sampling mode and seed) go to :meth:`derive_mask`.
        """
        if self.mode == 'fixed':
            return self.fixed_mask.clone()
        return self.derive_mask(*args, **kwargs)

    def searches_every_unit(self) -> bool:
        """Whether the search learns every unit's policy now (False while a curriculum holds some back).

        A policy selected by validation competes only when this holds (``BestPolicyHook``); a policy
        without a curriculum always does.
        """
        return True

    def fixed_structure(self) -> torch.Tensor | None:
        """The boolean mask ``[num_tasks, *unit_grid]`` when the gates are that constant mask now, else None.

        The model then runs the compiled compact network (shared prefixes once) instead of gated passes.
        """
        return self.fixed_mask if self.mode == 'fixed' else None

    def probabilities(self) -> torch.Tensor:
        """How much each task uses each unit, ``[num_tasks, *unit_grid]`` in [0, 1] (for plots and logs)."""
        if self.mode == 'fixed':
            return self.fixed_mask.float()
        return self.search_probabilities()

    def report(self) -> PolicyReport:
        """A description of the policy for logs, files and TensorBoard (see ``PolicyReportHook``).

        By default, the report ``policy_report``: per task the discrete mask (:meth:`discretize`) and
        the probabilities (:meth:`probabilities`, rounded to 6 digits) over the unit grid in
        ``record['tasks'][task]``; the scalars ``policy_report/<task>/active``, the share of the grid's
        units the task uses; the figure ``probabilities`` (kind ``'heatmap'``: the probabilities of the
        grid's units, the mask outlined); a table of the units each task uses. Keyword arguments a
        subclass's report takes come from the hook's ``report_cfg``.
        """
        mask = self.discretize().detach().cpu().bool()
        probs = self.probabilities().detach().cpu().double()
        valid = self.valid_units.detach().cpu().flatten()
        k = len(self.task_names)
        flat_mask, flat_probs = mask.reshape(k, -1)[:, valid], probs.reshape(k, -1)[:, valid]
        units = int(valid.sum())
        record = {'tasks': {t: {'mask': mask[i].int().tolist(), 'probabilities': probs[i].round(decimals=6).tolist()}
                            for i, t in enumerate(self.task_names)}}
        scalars = {f'policy_report/{t}/active': float(flat_mask[i].sum()) / max(units, 1)
                   for i, t in enumerate(self.task_names)}
        figures = {'probabilities': ReportFigure(
            'heatmap', dict(values=flat_probs.numpy(), rows=list(self.task_names), decision=flat_mask.numpy(),
                            value_label='probability of running the unit'),
            title=f'{type(self).__name__}: probabilities, the discrete mask outlined')}
        table = {t: {'units': f'{int(flat_mask[i].sum())}/{units}'} for i, t in enumerate(self.task_names)}
        return PolicyReport('policy_report', record=record, scalars=scalars, figures=figures,
                            title=f'{type(self).__name__} ({self.mode})', table=table)

    # ----------------------------------------------------------- subclasses
    def policy_gates(self, task: str) -> torch.Tensor | None:
        raise NotImplementedError

    def warmup_gates(self, task: str) -> torch.Tensor | None:
        """Gates before the search. Defaults to every unit on."""
        return None

    def policy_regularizers(self) -> dict[str, torch.Tensor]:
        """The policy's weighted regularisers. Defaults to none."""
        return {}

    def derive_mask(self, *args, **kwargs) -> torch.Tensor:
        raise NotImplementedError

    def search_probabilities(self) -> torch.Tensor:
        """Defaults to the discrete mask."""
        return self.derive_mask().float()

    def arch_parameters(self) -> list[nn.Parameter]:
        """Parameters of the architecture (optimised apart from the weights). Defaults to all."""
        return list(self.parameters())

    def task_index(self, task: str) -> int:
        try:
            return self.task_names.index(task)
        except ValueError:
            raise KeyError(f'{type(self).__name__}: unknown task {task!r}; tasks are {self.task_names}') from None
