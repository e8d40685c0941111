"""Customized Gate Control (Tang, Liu, Zhao & Gong, RecSys 2020): shared and task-specific image experts."""
from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.utils.errors import ConfigError
from .expert_mixture import (DOC, ExpertMixtureBackbone, SoftmaxGate, build_experts, check_count, check_gate_input,
                             expert_channels, gate_features, gate_in_features, mix)


class LevelOutput(NamedTuple):
    """What one extraction level gives: each task's features and the shared features, with the gates' weights."""

    tasks: dict[str, torch.Tensor]
    shared: torch.Tensor | None
    task_gates: dict[str, torch.Tensor]
    shared_gate: torch.Tensor | None


def task_expert_counts(value, task_names: Sequence[str], where: str) -> dict[str, int]:
    """``num_task_experts``: one int for every task, or ``{task: int}`` naming every task."""
    if isinstance(value, dict):
        missing = [t for t in task_names if t not in value]
        unknown = [t for t in value if t not in task_names]
        if missing or unknown:
            raise ConfigError(f'names tasks {sorted(value)}', where=where, doc=DOC,
                              expected=f'one count for each of the tasks {list(task_names)}')
        return {t: check_count(value[t], f'{where}.{t}', minimum=0) for t in task_names}
    check_count(value, where, minimum=0)
    return {t: value for t in task_names}


class CGCLevel(nn.Module):
    """One extraction level: shared experts, each task's own experts, a gate per task (and a shared one).

    Tang et al., Sec. 4.2-4.3. Task k's gate mixes its own experts and the shared ones,
    ``g^k(x) = w^k(x) S^k(x)``, ``w^k(x) = softmax(W_g^k x)``, ``S^k = [E_k,1 … E_k,m_k, E_s,1 … E_s,m_s]``
    (Eq. 2-4); in PLE a level below the last also has a shared gate over every expert of the level,
    every task's and the shared ones, whose mixture is the next level's shared input (Sec. 4.3). The shared
    experts read the shared input, task k's experts and gate task k's input (the image at the first
    level). Gate weights are ordered as ``S^k``: own experts, then shared; the shared gate's as the
    tasks, then shared.
    """

    def __init__(self, task_names: Sequence[str], expert: dict, in_channels: int, num_shared_experts: int,
                 num_task_experts: dict[str, int], gate_input: str, shared_gate: bool, where: str):
        super().__init__()
        self.task_names = list(task_names)
        self.gate_input = gate_input
        self.shared_experts = build_experts(expert, num_shared_experts, in_channels, f'{where}.expert')
        self.task_experts = nn.ModuleDict({t: build_experts(expert, num_task_experts[t], in_channels, f'{where}.expert')
                                           for t in self.task_names})
        self.out_channels = expert_channels(self.shared_experts)
        self.output_stride = getattr(self.shared_experts[0], 'output_stride', 1)
        sizes = {t: num_task_experts[t] + num_shared_experts for t in self.task_names}
        self.task_gates = nn.ModuleDict({
            t: SoftmaxGate(gate_in_features(gate_input, in_channels, self.out_channels, n), n)
            for t, n in sizes.items()})
        total = sum(num_task_experts.values()) + num_shared_experts
        self.shared_gate = SoftmaxGate(gate_in_features(gate_input, in_channels, self.out_channels, total), total) \
            if shared_gate else None

    def forward(self, shared_input: torch.Tensor, task_inputs: dict[str, torch.Tensor], tasks: Sequence[str],
                shared: bool) -> LevelOutput:
        """The features of ``tasks`` and, with ``shared``, the shared features (which need every task's experts)."""
        shared_outputs = [e(shared_input) for e in self.shared_experts]
        ran = self.task_names if shared else tasks
        own = {t: [e(task_inputs[t]) for e in self.task_experts[t]] for t in ran}
        features, gates = {}, {}
        for t in tasks:
            selected = own[t] + shared_outputs
            gates[t] = self.task_gates[t](gate_features(self.gate_input, task_inputs.get(t), selected))
            features[t] = mix(gates[t], selected)
        if not shared:
            return LevelOutput(features, None, gates, None)
        if self.shared_gate is None:
            raise ValueError('CGCLevel: the shared features were asked for, but the level has no shared gate')
        selected = [o for t in self.task_names for o in own[t]] + shared_outputs
        weights = self.shared_gate(gate_features(self.gate_input, shared_input, selected))
        return LevelOutput(features, mix(weights, selected), gates, weights)

    def inputs_needed(self, tasks: Sequence[str], shared: bool) -> list[str]:
        """The tasks whose inputs the features of ``tasks`` (and with ``shared``, the shared ones) read."""
        reads = [t for t in (self.task_names if shared else tasks)
                 if len(self.task_experts[t]) or (t in tasks and self.gate_input == 'input')]
        return [t for t in self.task_names if t in reads]

    def path_modules(self, tasks: Sequence[str], shared: bool) -> list[nn.Module]:
        """The modules of this level the features of ``tasks`` (and with ``shared``, the shared ones) depend on."""
        modules = [self.shared_experts]
        for t in tasks:
            modules += [self.task_experts[t], self.task_gates[t]]
        if shared:
            modules += [self.shared_gate, *self.task_experts.values()]
        return modules


@BACKBONES.register_module()
class CGCBackbone(ExpertMixtureBackbone):
    """Shared experts, each task's own experts, and per task a softmax gate over its own and the shared ones.

    Tang et al., Sec. 4.2 (Eq. 2-4): task k's features are ``Σ_e g^k(x)_e S^k(x)_e`` over its
    ``num_task_experts`` experts and the ``num_shared_experts`` shared ones (``CGCLevel``
    without a shared gate). Every expert is a copy of the backbone ``expert``; the gates read pooled
    features (``gate_input``). A task never reads another task's experts: computing some tasks runs
    the shared experts and only their own.

    Shared parameters: the shared experts; a task's own: its experts and gate. The single-task
    reference is one expert network.

    Args:
        task_names: the tasks (given by the model).
        expert: config of the backbone every expert is a copy of; built with ``in_channels``.
        num_shared_experts: m_s ≥ 1. Defaults to 1.
        num_task_experts: m_k ≥ 0 for every task, or ``{task: m_k}``. Defaults to 1.
        gate_input: ``'experts'`` (the pooled outputs of the experts a gate mixes) or ``'input'``
            (the pooled image). Defaults to ``'experts'``.
        in_channels: channels of the input images. Defaults to 3.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(expert=dict(type='DilatedResNet', width_multiplier=0.125))

    def __init__(self, task_names: Sequence[str], expert: dict, num_shared_experts: int = 1,
                 num_task_experts: int | dict[str, int] = 1, gate_input: str = 'experts', in_channels: int = 3):
        super().__init__(task_names)
        check_gate_input(gate_input, 'model.backbone.gate_input')
        check_count(num_shared_experts, 'model.backbone.num_shared_experts', minimum=1)
        counts = task_expert_counts(num_task_experts, self.task_names, 'model.backbone.num_task_experts')
        self.level = CGCLevel(self.task_names, expert, in_channels, num_shared_experts, counts, gate_input,
                              shared_gate=False, where='model.backbone')
        self.out_channels, self.output_stride = self.level.out_channels, self.level.output_stride

    def forward_with_gates(self, x: torch.Tensor, tasks: Sequence[str] | None = None
                           ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Each task's features and its gate's weights ``[N, m_k + m_s]`` (own experts first)."""
        tasks = self.check_tasks(tasks)
        out = self.level(x, {t: x for t in tasks}, tasks, shared=False)
        return out.tasks, out.task_gates

    def path_modules(self, task: str) -> list[nn.Module]:
        """The modules task ``task``'s features depend on: the shared experts, its own and its gate."""
        return self.level.path_modules([task], shared=False)

    def single_task_modules(self) -> list[nn.Module]:
        """One single-task network of the same kind: one expert."""
        return [self.level.shared_experts[0]]
