"""DSelect-k gates (Hazimeh, Zhao, Chowdhery, Sathiamoorthy, Chen, Mazumder, Hong & Chi, NeurIPS 2021)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES
from mtlreg.utils.errors import ConfigError
from .expert_mixture import DOC, check_count
from .mmoe import MMoEBackbone

#: keeps the logarithm of the entropy and the reciprocal of the reachability term finite
EPS = 1e-6


def smooth_step(t: torch.Tensor, gamma: float) -> torch.Tensor:
    """The smooth step ``S(t)``: 0 for ``t ≤ −γ/2``, 1 for ``t ≥ γ/2``, ``−2t³/γ³ + 3t/(2γ) + 1/2`` between.

    Hazimeh et al., Sec. 3 (after Hazimeh et al., 2020): continuously differentiable, with a zero
    derivative outside ``(−γ/2, γ/2)``, so a selector whose logits leave that interval is binary
    and stays so.
    """
    half = gamma / 2
    inner = t.clamp(-half, half)
    inner = -2.0 / gamma ** 3 * inner ** 3 + 3.0 / (2.0 * gamma) * inner + 0.5
    return torch.where(t <= -half, torch.zeros_like(t), torch.where(t >= half, torch.ones_like(t), inner))


def binary_codes(num_experts: int, num_bits: int) -> torch.Tensor:
    """``[num_experts, num_bits]`` booleans: row i is i in binary, most significant bit first."""
    powers = 2 ** torch.arange(num_bits - 1, -1, -1)
    return (torch.arange(num_experts)[:, None] // powers) % 2 == 1


class DSelectKGate(nn.Module):
    """A per-sample DSelect-k gate: k single-expert selectors, mixed by a softmax.

    With ``m = ⌈log₂ n⌉`` bits for n experts, selector i has logits ``z⁽ⁱ⁾ = W⁽ⁱ⁾ x ∈ ℝᵐ`` and picks
    expert e with weight ``r(z⁽ⁱ⁾)_e = Π_j S(z⁽ⁱ⁾_j)^{b_j(e)} (1 − S(z⁽ⁱ⁾_j))^{1 − b_j(e)}``, ``b(e)``
    the binary code of e. The gate is ``q(x) = Σ_i softmax(α(x))_i r(z⁽ⁱ⁾)`` with ``α(x) = A x ∈ ℝᵏ``
    (Sec. 3: the single-expert selector, its k-fold combination, per-example gating). Once every
    ``|z_j| ≥ γ/2`` each selector is one expert and at most k weights are non-zero. Where n is not a power of 2 the
    codes ``n … 2ᵐ − 1`` reach no expert, and the weights sum to ``Σ_i softmax(α)_i Σ_e r(z⁽ⁱ⁾)_e ≤ 1``.

    Initialisation as the authors' release: ``W`` and its bias uniform in ``±γ/100`` (every bit
    starts near ``S = 1/2``, every expert near weight ``1/n``), ``A`` and its bias in ``±0.05``.

    Args:
        in_features: D, the features the gate reads.
        num_experts: n ≥ 2.
        k: the number of selectors (non-zero weights at convergence), ``1 ≤ k ≤ n``.
        gamma: γ of the smooth step. Defaults to 1.
    """

    def __init__(self, in_features: int, num_experts: int, k: int, gamma: float = 1.0):
        super().__init__()
        self.num_experts, self.k, self.gamma = num_experts, k, gamma
        self.num_bits = math.ceil(math.log2(num_experts))
        self.selectors = nn.Linear(in_features, k * self.num_bits)
        self.selector_weights = nn.Linear(in_features, k)
        for p in self.selectors.parameters():
            nn.init.uniform_(p, -gamma / 100, gamma / 100)
        for p in self.selector_weights.parameters():
            nn.init.uniform_(p, -0.05, 0.05)
        self.register_buffer('codes', binary_codes(num_experts, self.num_bits), persistent=False)

    @property
    def power_of_two(self) -> bool:
        return self.num_experts == 2 ** self.num_bits

    def selector_outputs(self, features: torch.Tensor) -> torch.Tensor:
        """``r(z⁽ⁱ⁾)`` of every selector, ``[N, k, n]``."""
        bits = smooth_step(self.selectors(features).reshape(-1, self.k, 1, self.num_bits), self.gamma)
        return torch.where(self.codes, bits, 1 - bits).prod(-1)

    def combine(self, features: torch.Tensor, selectors: torch.Tensor) -> torch.Tensor:
        """The expert weights ``[N, n]``: the selectors ``[N, k, n]`` weighted by ``softmax(α(x))``."""
        return (torch.softmax(self.selector_weights(features), dim=1)[:, :, None] * selectors).sum(1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.combine(features, self.selector_outputs(features))


def selector_entropy(selectors: torch.Tensor) -> torch.Tensor:
    """``Σ_i h(r(z⁽ⁱ⁾))``, ``h(p) = −Σ_e p_e log(p_e + ε)``, averaged over the batch (about 0 once binary)."""
    return -(selectors * torch.log(selectors + EPS)).sum((1, 2)).mean()


def unreachable_penalty(selectors: torch.Tensor) -> torch.Tensor:
    """``Σ_i 1 / Σ_e r(z⁽ⁱ⁾)_e`` over the reachable experts, averaged over the batch (k once none is lost)."""
    return (1.0 / selectors.sum(-1).clamp_min(EPS)).sum(1).mean()


@BACKBONES.register_module()
class DSelectKBackbone(MMoEBackbone):
    """MMoE whose task gates are DSelect-k gates: each task mixes at most k of the n shared experts.

    Hazimeh et al. replace the softmax gates of a multi-gate mixture of experts by DSelect-k gates in
    their multi-task experiments: task t's features are ``Σ_e q_t(x)_e f_e(x)`` with ``q_t`` a
    ``DSelectKGate`` reading the pooled features of ``gate_input``. Experts, gate input and
    parameter reports are :class:`MMoEBackbone`'s.

    Regularisers (``regularizers()``, from the last training forward pass, summed over the tasks
    that ran): the entropy of every selector, ``λ Σ_i h(r(z⁽ⁱ⁾))`` (the authors' regulariser that
    speeds up convergence to binary selectors; ``entropy_weight`` λ, off by default as in their
    release), and where n is not a power of 2 the release's ``Σ_i 1/Σ_e r(z⁽ⁱ⁾)_e``
    (``reachability_weight``), which keeps selectors from settling on codes of no expert. Both are
    averaged over the samples of the batch.

    Args:
        task_names: the tasks (given by the model).
        expert: config of the backbone every expert is a copy of.
        num_experts: n ≥ 2. Defaults to 4.
        k: experts per task at convergence. Defaults to 2.
        gamma: γ of the smooth step. Defaults to 1.
        entropy_weight: λ of the entropy regulariser. Defaults to 0.
        reachability_weight: weight of the reachability term (n not a power of 2). Defaults to 1.
        gate_input: ``'experts'`` or ``'input'`` (see :class:`MMoEBackbone`). Defaults to ``'experts'``.
        in_channels: channels of the input images. Defaults to 3.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(expert=dict(type='DilatedResNet', width_multiplier=0.125), num_experts=3, k=2)

    def __init__(self, task_names: Sequence[str], expert: dict, num_experts: int = 4, k: int = 2,
                 gamma: float = 1.0, entropy_weight: float = 0.0, reachability_weight: float = 1.0,
                 gate_input: str = 'experts', in_channels: int = 3):
        check_count(num_experts, 'model.backbone.num_experts', minimum=2)
        check_count(k, 'model.backbone.k', minimum=1)
        if k > num_experts:
            raise ConfigError(f'is {k}, more than the {num_experts} experts', where='model.backbone.k',
                              expected=f'1 <= k <= num_experts = {num_experts}', doc=DOC)
        for key, value in (('gamma', gamma), ('entropy_weight', entropy_weight),
                           ('reachability_weight', reachability_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
                    value <= 0 if key == 'gamma' else value < 0):
                raise ConfigError(f'is {value!r}', where=f'model.backbone.{key}', doc=DOC,
                                  expected='a finite number ' + ('> 0' if key == 'gamma' else '>= 0'))
        # read by build_gate, which MMoEBackbone.__init__ calls
        self.k, self.gamma = k, float(gamma)
        super().__init__(task_names, expert, num_experts=num_experts, gate_input=gate_input, in_channels=in_channels)
        self.entropy_weight, self.reachability_weight = float(entropy_weight), float(reachability_weight)

    def build_gate(self, in_features: int, num_experts: int) -> nn.Module:
        return DSelectKGate(in_features, num_experts, self.k, self.gamma)

    def gate_weights(self, task: str, features: torch.Tensor) -> torch.Tensor:
        gate = self.gates[task]
        selectors = gate.selector_outputs(features)
        if self.training and torch.is_grad_enabled():  # what regularizers() reads
            self.__dict__.setdefault('_selectors', {})[task] = selectors
        return gate.combine(features, selectors)

    def forward_with_gates(self, x: torch.Tensor, tasks: Sequence[str] | None = None):
        self.__dict__.pop('_selectors', None)
        return super().forward_with_gates(x, tasks)

    def regularizers(self) -> dict[str, torch.Tensor]:
        selectors = self.__dict__.get('_selectors') or {}
        terms = {}
        if self.entropy_weight and selectors:
            terms['reg_entropy'] = self.entropy_weight * sum(selector_entropy(s) for s in selectors.values())
        unreachable = [s for t, s in selectors.items() if not self.gates[t].power_of_two]
        if self.reachability_weight and unreachable:
            terms['reg_reachable'] = self.reachability_weight * sum(unreachable_penalty(s) for s in unreachable)
        return terms

    def __getstate__(self):
        state = super().__getstate__()
        state.pop('_selectors', None)  # tensors of the last pass's graph: not copied or pickled
        return state
