"""Experts, softmax gates and parameter paths shared by the mixture-of-experts backbones.

MMoE, CGC, PLE and DSelect-k build every task's features as a per-sample mixture of expert networks,
``Σ_e g(x)_e f_e(x)``. Here the experts are image networks: each is a registered gated backbone
(``DilatedResNet``, ``VGG16BN``, ``ModularNetwork``, ...) built from a config and run with every unit
on, so a task's features are a feature map its head reads as from any backbone. A gate gives one
weight per expert and sample (the same weight over the whole map). What a gate reads (``gate_input``):

* ``'experts'``: the global average pool of the outputs of the experts it mixes, concatenated
  (``E·C`` features for ``E`` experts of ``C`` channels);
* ``'input'``: the global average pool of its level's input (``C_in`` features): the image at the
  first level, at a later level of PLE the features its experts read.

The papers' gates are linear in the (vector) input; on images a linear map of the flattened input
ties the gate to one resolution and has as many weights as pixels, so the gates read pooled maps.
"""
from __future__ import annotations

import copy
from typing import Iterable, Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.utils.errors import ConfigError
from .task_conditioned import TaskConditionedBackbone, count, is_task_conditioned

#: what a gate reads (see the module docstring)
GATE_INPUTS = ('experts', 'input')
DOC = 'docs/methods/expert_mixtures.md'


def check_gate_input(gate_input: str, where: str) -> str:
    if gate_input not in GATE_INPUTS:
        raise ConfigError(f'is {gate_input!r}', where=where, expected=f'one of {list(GATE_INPUTS)}', doc=DOC)
    return gate_input


def check_count(value, where: str, minimum: int) -> int:
    """A number of experts: an int ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f'is {value!r}', where=where, expected=f'an integer >= {minimum}', doc=DOC)
    return value


def build_experts(cfg: dict, number: int, in_channels: int, where: str) -> nn.ModuleList:
    """``number`` experts, each a gated backbone built from ``cfg`` reading ``in_channels`` channels.

    ``in_channels`` is given to every expert (``cfg`` may repeat it, not contradict it). The experts of
    one config agree in their output channels.
    """
    if not isinstance(cfg, dict) or not cfg.get('type'):
        raise ConfigError(f'is {cfg!r}', where=where, doc=DOC,
                          expected="the config of a backbone, e.g. dict(type='DilatedResNet', depth=18)")
    if is_task_conditioned(cfg):
        kind = cfg['type']
        raise ConfigError(f'{getattr(kind, "__name__", kind)} computes every task\'s features itself and cannot '
                          'be an expert', where=where, doc=DOC,
                          expected='a backbone with one output (DilatedResNet, VGG16BN, ModularNetwork, ...)')
    given = cfg.get('in_channels', in_channels)
    if given != in_channels:
        raise ConfigError(f'is {given}, but the expert reads {in_channels} channels', where=f'{where}.in_channels',
                          expected=f'{in_channels} or no in_channels (it is set from the input)', doc=DOC)
    experts = nn.ModuleList(BACKBONES.build(copy.deepcopy(cfg), default_args=dict(in_channels=in_channels))
                            for _ in range(number))
    for expert in experts:
        if getattr(expert, 'task_conditioned', False) or not expert.out_channels:
            raise ConfigError(f'{type(expert).__name__} gives no single feature map with out_channels', where=where,
                              expected='a backbone with one output and out_channels', doc=DOC)
    return experts


def expert_channels(*groups: Iterable[nn.Module]) -> int:
    """The output channels of the experts of some groups (one config: all equal)."""
    return next(e.out_channels for group in groups for e in group)


def pooled(x: torch.Tensor) -> torch.Tensor:
    """The global average pool of a feature map ``[N, C, ...]`` (a vector ``[N, C]`` as it is)."""
    return x.flatten(2).mean(-1) if x.dim() > 2 else x


def gate_in_features(gate_input: str, in_channels: int, channels: int, num_experts: int) -> int:
    """The number of features a gate over ``num_experts`` experts of ``channels`` channels reads."""
    return in_channels if gate_input == 'input' else channels * num_experts


def gate_features(gate_input: str, level_input: torch.Tensor, outputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """What a gate reads, ``[N, D]``: the pooled level input, or the pooled outputs it mixes, concatenated."""
    if gate_input == 'input':
        return pooled(level_input)
    return torch.cat([pooled(o) for o in outputs], dim=1)


def mix(weights: torch.Tensor, outputs: Sequence[torch.Tensor]) -> torch.Tensor:
    """``Σ_e weights[:, e] · outputs[e]``: one weight per expert and sample over the whole map."""
    stacked = torch.stack(list(outputs), dim=1)  # [N, E, C, ...]
    return (weights.reshape(*weights.shape, *[1] * (stacked.dim() - 2)) * stacked).sum(1)


class SoftmaxGate(nn.Module):
    """``g(x) = softmax(W x + b)``: a weight per expert and sample, non-negative and summing to 1.

    The gate of MMoE (Ma et al., KDD 2018, Eq. 7) and of CGC/PLE (Tang et al., RecSys 2020, Eq. 3),
    with a bias. ``forward`` maps gate features ``[N, D]`` to weights ``[N, E]``.
    """

    def __init__(self, in_features: int, num_experts: int):
        super().__init__()
        self.linear = nn.Linear(in_features, num_experts)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.linear(features), dim=1)


class ExpertMixtureBackbone(TaskConditionedBackbone):
    """What the expert mixtures (MMoE, CGC, PLE, DSelect-k) share: features, shared parameters and counts from paths.

    A subclass implements ``forward_with_gates(x, tasks) -> (features, gate weights)``,
    ``path_modules(task)`` (the modules a task's features depend on) and ``single_task_modules()`` (one
    single-task network of the same kind); the shared parameters are those on every task's path.
    """

    def forward_with_gates(self, x: torch.Tensor, tasks: Sequence[str] | None = None):
        raise NotImplementedError

    def path_modules(self, task: str) -> list[nn.Module]:
        raise NotImplementedError

    def single_task_modules(self) -> list[nn.Module]:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        return self.forward_with_gates(x, tasks)[0]

    def shared_parameters(self) -> list[nn.Parameter]:
        return shared_on_every_path(self)

    def task_parameter_count(self, task: str) -> int:
        return count(self.path_modules(task))

    def single_task_parameter_count(self) -> int:
        return count(self.single_task_modules())


def shared_on_every_path(backbone: TaskConditionedBackbone) -> list[nn.Parameter]:
    """The parameters on every task's path, ``backbone.path_modules(task)``: what every task's loss reaches.

    The mixture backbones say which modules a task's features depend on (``path_modules``); what
    every task's path holds is shared (what gradient-level balancers combine), in the order of
    ``backbone.parameters()``.
    """
    paths = [{id(p) for m in backbone.path_modules(t) for p in m.parameters()} for t in backbone.task_names]
    common = set.intersection(*paths)
    return [p for p in backbone.parameters() if id(p) in common]
