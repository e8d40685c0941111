"""Multi-gate Mixture-of-Experts (Ma, Zhao, Yi, Chen, Hong & Chi, KDD 2018) of image experts."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from .expert_mixture import (ExpertMixtureBackbone, SoftmaxGate, build_experts, check_count, check_gate_input,
                             gate_features, gate_in_features, mix)


@BACKBONES.register_module()
class MMoEBackbone(ExpertMixtureBackbone):
    """E experts shared by every task and one softmax gate per task.

    Ma et al., Sec. 4.2: task k's output is ``y_k = h^k(f^k(x))`` (Eq. 5, the tower ``h^k`` here the
    task's head) with ``f^k(x) = Σ_e g^k(x)_e f_e(x)`` (Eq. 6) and ``g^k(x) = softmax(W_gk x)`` (Eq. 7).
    Every expert is a copy (own weights) of the backbone ``expert``; the gate reads pooled features
    (``gate_input``, see ``mtlreg.models.backbones.expert_mixture``) and has a bias. The experts run
    once per batch for all tasks.

    Shared parameters (every task's loss reaches them): the experts; a task's own: its gate. The
    single-task reference is one expert network.

    Args:
        task_names: the tasks (given by the model).
        expert: config of the backbone every expert is a copy of, e.g.
            ``dict(type='DilatedResNet', depth=18, width_multiplier=0.25)``; built with ``in_channels``.
        num_experts: E. Defaults to 3.
        gate_input: ``'experts'`` (the pooled outputs of the E experts) or ``'input'`` (the pooled
            image). Defaults to ``'experts'``.
        in_channels: channels of the input images. Defaults to 3.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(expert=dict(type='DilatedResNet', width_multiplier=0.125), num_experts=2)

    def __init__(self, task_names: Sequence[str], expert: dict, num_experts: int = 3, gate_input: str = 'experts',
                 in_channels: int = 3):
        super().__init__(task_names)
        self.gate_input = check_gate_input(gate_input, 'model.backbone.gate_input')
        self.num_experts = check_count(num_experts, 'model.backbone.num_experts', minimum=1)
        self.experts = build_experts(expert, num_experts, in_channels, 'model.backbone.expert')
        self.out_channels = self.experts[0].out_channels
        self.output_stride = getattr(self.experts[0], 'output_stride', 1)
        features = gate_in_features(gate_input, in_channels, self.out_channels, num_experts)
        self.gates = nn.ModuleDict({t: self.build_gate(features, num_experts) for t in self.task_names})

    def build_gate(self, in_features: int, num_experts: int) -> nn.Module:
        """A task's gate: gate features ``[N, in_features]`` to expert weights ``[N, num_experts]``."""
        return SoftmaxGate(in_features, num_experts)

    def gate_weights(self, task: str, features: torch.Tensor) -> torch.Tensor:
        """Task ``task``'s weights ``[N, E]`` of the experts given the gate features ``[N, D]``."""
        return self.gates[task](features)

    def forward_with_gates(self, x: torch.Tensor, tasks: Sequence[str] | None = None
                           ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Each task's features and its gate's weights ``[N, E]``."""
        tasks = self.check_tasks(tasks)
        outputs = [expert(x) for expert in self.experts]
        features = gate_features(self.gate_input, x, outputs)
        gates = {t: self.gate_weights(t, features) for t in tasks}
        return {t: mix(gates[t], outputs) for t in tasks}, gates

    def path_modules(self, task: str) -> list[nn.Module]:
        """The modules task ``task``'s features depend on: every expert and its gate."""
        return [self.experts, self.gates[task]]

    def single_task_modules(self) -> list[nn.Module]:
        """One single-task network of the same kind: one expert."""
        return [self.experts[0]]
