"""Progressive Layered Extraction (Tang, Liu, Zhao & Gong, RecSys 2020): stacked CGC levels of image experts."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.utils.errors import ConfigError
from .cgc import CGCLevel, task_expert_counts
from .expert_mixture import DOC, ExpertMixtureBackbone, check_count, check_gate_input

#: the keys of one level in ``levels``
LEVEL_KEYS = ('expert', 'num_shared_experts', 'num_task_experts')


@BACKBONES.register_module()
class PLEBackbone(ExpertMixtureBackbone):
    """Extraction levels of shared and task-specific experts; every level but the last has a shared gate.

    Tang et al., Sec. 4.3: level j's task-k experts read task k's features of level j − 1 and its
    shared experts the shared features of level j − 1 (the image at the first level). Task k's gate
    mixes its own and the shared experts, ``g^{k,j}(x) = w^{k,j}(g^{k,j−1}(x)) S^{k,j}(x)`` (Eq. 5, as
    CGC's Eq. 2-4); a level below the last has a shared gate over every expert of the level whose
    mixture is the next level's shared input. Task k's features are ``g^{k,N}(x)``, the output of its
    gate at the last level N, which its tower (here its head) reads (Eq. 6). Each level is a
    ``CGCLevel`` (``mtlreg.models.backbones.cgc``).

    Experts are backbones: the first level's read the image (``in_channels``), a later level's read
    the previous level's features (built with its ``out_channels`` as ``in_channels``), so a later
    level's expert is a network on feature maps, e.g. a ``ModularNetwork`` of 3×3 convolutions.

    Shared parameters (every task's loss reaches them): the last level's shared experts; every
    expert and the shared gate of the level below it (through that shared gate); and everything
    of the levels below those. A task's path is the rest of its own experts and gates. Below the
    last level every task's experts run (the shared gate reads them); at the last level only the
    computed tasks'. The single-task reference is one expert of each level, chained.

    Args:
        task_names: the tasks (given by the model).
        levels: ``[dict(expert=backbone config, num_shared_experts=..., num_task_experts=...), ...]``,
            from the input up; the counts default to the arguments below.
        num_shared_experts: shared experts per level, ≥ 1. Defaults to 1.
        num_task_experts: each task's experts per level, ≥ 0, or ``{task: count}``. Defaults to 1.
        gate_input: ``'experts'`` (the pooled outputs of the experts a gate mixes) or ``'input'`` (the
            pooled input of its level: the image, then the previous level's features). Defaults to
            ``'experts'``.
        in_channels: channels of the input images. Defaults to 3.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(levels=[
        dict(expert=dict(type='DilatedResNet', width_multiplier=0.125)),
        dict(expert=dict(type='ModularNetwork', layers=[dict(channels=8, components=[dict(type='conv')])]))])

    def __init__(self, task_names: Sequence[str], levels: Sequence[dict], num_shared_experts: int = 1,
                 num_task_experts: int | dict[str, int] = 1, gate_input: str = 'experts', in_channels: int = 3):
        super().__init__(task_names)
        check_gate_input(gate_input, 'model.backbone.gate_input')
        if not isinstance(levels, (list, tuple)) or not levels:
            raise ConfigError(f'is {levels!r}', where='model.backbone.levels', doc=DOC,
                              expected='a non-empty list of dict(expert=backbone config, ...), one per level')
        self.levels = nn.ModuleList()
        channels = in_channels
        for j, level in enumerate(levels):
            where = f'model.backbone.levels[{j}]'
            if not isinstance(level, dict) or 'expert' not in level:
                raise ConfigError(f'is {level!r}', where=where, doc=DOC,
                                  expected='dict(expert=backbone config, num_shared_experts=..., num_task_experts=...)')
            unknown = sorted(set(level) - set(LEVEL_KEYS))
            if unknown:
                raise ConfigError(f'has unknown keys {unknown}', where=where, expected=f'keys of {list(LEVEL_KEYS)}',
                                  doc=DOC)
            shared = check_count(level.get('num_shared_experts', num_shared_experts),
                                 f'{where}.num_shared_experts', minimum=1)
            counts = task_expert_counts(level.get('num_task_experts', num_task_experts), self.task_names,
                                        f'{where}.num_task_experts')
            self.levels.append(CGCLevel(self.task_names, level['expert'], channels, shared, counts, gate_input,
                                        shared_gate=j < len(levels) - 1, where=where))
            channels = self.levels[-1].out_channels
        self.gate_input = gate_input
        self.out_channels = channels
        self.output_stride = math.prod(level.output_stride for level in self.levels)

    def _needs(self, tasks: Sequence[str]) -> list[tuple[list[str], bool]]:
        """Per level, from the input up: the tasks whose features it must give, and whether the shared ones."""
        needs = [(list(tasks), False)]
        for level in reversed(self.levels[1:]):
            outputs, shared = needs[0]
            needs.insert(0, (level.inputs_needed(outputs, shared), True))
        return needs

    def forward_with_gates(self, x: torch.Tensor, tasks: Sequence[str] | None = None
                           ) -> tuple[dict[str, torch.Tensor], list[dict[str, torch.Tensor | dict]]]:
        """Each task's features and, per level, the gates' weights ``dict(tasks={task: [N, E]}, shared=[N, E])``.

        ``shared`` is None at the last level (it has no shared gate).
        """
        tasks = self.check_tasks(tasks)
        shared_input, task_inputs, gates = x, {t: x for t in self.task_names}, []
        for level, (outputs, shared) in zip(self.levels, self._needs(tasks)):
            out = level(shared_input, task_inputs, outputs, shared)
            gates.append(dict(tasks=out.task_gates, shared=out.shared_gate))
            shared_input, task_inputs = out.shared, out.tasks
        return task_inputs, gates

    def path_modules(self, task: str) -> list[nn.Module]:
        """The modules task ``task``'s features depend on, level by level."""
        return [m for level, (outputs, shared) in zip(self.levels, self._needs([task]))
                for m in level.path_modules(outputs, shared)]

    def single_task_modules(self) -> list[nn.Module]:
        """One single-task network of the same kind: one expert of each level."""
        return [level.shared_experts[0] for level in self.levels]
