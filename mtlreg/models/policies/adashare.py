"""AdaShare's select-or-skip policy: per task and block, logits over {execute, skip}."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import POLICIES
from .base import BasePolicy, mask_from_probabilities

_INITS = ('equal', 'random', 'all_execute')
_FORMS = ('paper', 'official_code')


@POLICIES.register_module()
class AdaSharePolicy(BasePolicy):
    """Gates from Gumbel-softmax samples of per-task, per-block {execute, skip} logits.

    Sun et al., "AdaShare", NeurIPS 2020, Sec. 3.2–3.3. For task k and block l
    the policy holds logits ``log π_{l,k}`` over (execute, skip); in training
    the gate is the execute component of the Gumbel-softmax sample
    ``v_{l,k}(j) = softmax_j((log π_{l,k}(j) + G_{l,k}(j)) / τ)``, soft by
    default (as the official code) or straight-through hard. In evaluation the
    gate is 1 where the execute probability α_{l,k} ≥ 0.5.

    Curriculum (Sec. 3.3): ``curriculum_blocks`` (a buffer, set by a hook) is
    the number of last blocks whose policy is learned; earlier blocks execute
    with a constant gate, so their logits get no gradient. ``temperature`` is a
    buffer too, so both resume with a checkpoint.

    Regularisers (``form='paper'``, Eq. 3–4), over the learned blocks:
    ``L_sparsity = Σ_{l,k} log α_{l,k}`` and
    ``L_sharing = Σ_{k1,k2} Σ_l ((L − l)/L) |α_{l,k1} − α_{l,k2}|`` with
    blocks numbered l = 1..L. ``form='official_code'`` reproduces the public
    implementation: sparsity is the cross-entropy towards "skip" averaged over
    the learned blocks (summed over tasks); sharing is
    ``Σ_{k1<k2} Σ_l ((l + 1)/L) |logit_exec(l,k1) − logit_exec(l,k2)|`` on raw
    execute logits with l = 0..L−1 (weights grow with depth), over **every**
    block at every step: the public code's hamming loss takes no curriculum,
    so blocks not yet released get gradient from it there.

    Args:
        task_names: the tasks.
        unit_grid: ``(num_blocks,)``.
        init: ``'equal'`` (both logits 0.5), ``'random'`` (1e-3·N(0, 1)) or
            ``'all_execute'`` (execute probability 0.99). Defaults to 'equal'.
        sampling: ``'soft'`` or ``'hard'`` (straight-through). Defaults to 'soft'.
        temperature: initial Gumbel-softmax temperature τ0. Defaults to 5.0.
        sparsity_weight: λ_sp. Defaults to 0.0.
        sharing_weight: λ_sh. Defaults to 0.0.
        regularizer_form: ``'paper'`` or ``'official_code'``. Defaults to 'paper'.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(4,))

    drives = ('blocks',)
    skips_units = True

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], init: str = 'equal',
                 sampling: str = 'soft', temperature: float = 5.0, sparsity_weight: float = 0.0,
                 sharing_weight: float = 0.0, regularizer_form: str = 'paper'):
        super().__init__(task_names, unit_grid)
        if len(self.unit_grid) != 1:
            raise ValueError(f'AdaSharePolicy: expects a 1-D grid of blocks, got {self.unit_grid}')
        for name, value, allowed in (('init', init, _INITS), ('sampling', sampling, ('soft', 'hard')),
                                     ('regularizer_form', regularizer_form, _FORMS)):
            if value not in allowed:
                raise ValueError(f'AdaSharePolicy: {name} must be one of {allowed}, got {value!r}')
        k, num_blocks = len(self.task_names), self.unit_grid[0]
        if init == 'equal':
            logits = torch.full((k, num_blocks, 2), 0.5)
        elif init == 'random':
            logits = 1e-3 * torch.randn(k, num_blocks, 2)
        else:
            logits = torch.tensor([math.log(0.99), math.log(0.01)]).repeat(k, num_blocks, 1)
        self.logits = nn.Parameter(logits)
        self.sampling = sampling
        self.sparsity_weight, self.sharing_weight = sparsity_weight, sharing_weight
        self.regularizer_form = regularizer_form
        self.register_schedulable('temperature', float(temperature))
        self.register_schedulable('curriculum_blocks', num_blocks)

    @property
    def num_blocks(self) -> int:
        return self.unit_grid[0]

    def learned_blocks(self) -> torch.Tensor:
        """Boolean mask of the blocks whose policy is learned now (the last ``curriculum_blocks``)."""
        first = self.num_blocks - int(self.curriculum_blocks.clamp(0, self.num_blocks))
        return torch.arange(self.num_blocks, device=self.logits.device) >= first

    def searches_every_unit(self) -> bool:
        """Whether the curriculum has released every block (Sec. 3.3)."""
        return int(self.curriculum_blocks) >= self.num_blocks

    def execute_probabilities(self) -> torch.Tensor:
        """α_{k,l}: the execute probability per task and block, ``[K, L]``."""
        return self.logits.softmax(-1)[..., 0]

    def search_probabilities(self) -> torch.Tensor:
        return self.execute_probabilities().detach()

    def policy_gates(self, task: str) -> torch.Tensor:
        k = self.task_index(task)
        if not self.training:
            return (self.execute_probabilities()[k] >= 0.5).float()
        sample = F.gumbel_softmax(self.logits[k], tau=float(self.temperature), hard=self.sampling == 'hard')[:, 0]
        learned = self.learned_blocks()
        return torch.where(learned, sample, torch.ones_like(sample))

    def policy_regularizers(self) -> dict[str, torch.Tensor]:
        terms = {}
        if self.sparsity_weight:
            terms['reg_sparsity'] = self.sparsity_weight * self.sparsity_loss()
        if self.sharing_weight:
            terms['reg_sharing'] = self.sharing_weight * self.sharing_loss()
        return terms

    def sparsity_loss(self) -> torch.Tensor:
        """The unweighted sparsity term over the learned blocks (see the class docstring)."""
        learned = self.learned_blocks()
        if self.regularizer_form == 'paper':
            return self.execute_probabilities()[:, learned].log().sum()
        skip_log_prob = self.logits.log_softmax(-1)[:, learned, 1]
        return (-skip_log_prob).mean(dim=1).sum()

    def sharing_loss(self) -> torch.Tensor:
        """The unweighted sharing term: the paper's over the learned blocks, the official code's over all."""
        num = self.num_blocks
        if self.regularizer_form == 'paper':
            values = self.execute_probabilities()
            weights = (num - torch.arange(1, num + 1, device=values.device)) / num * self.learned_blocks()
            pairs = [(a, b) for a in range(values.shape[0]) for b in range(values.shape[0])]
        else:
            values = self.logits[..., 0]
            weights = torch.arange(1, num + 1, device=values.device) / num
            pairs = [(a, b) for a in range(values.shape[0]) for b in range(a + 1, values.shape[0])]
        weights = weights.to(values.dtype)
        if not pairs:
            return values.sum() * 0.0
        return sum((weights * (values[a] - values[b]).abs()).sum() for a, b in pairs)

    def derive_mask(self, mode: str = 'argmax', seed: int | None = None) -> torch.Tensor:
        """The boolean execute mask ``[K, L]``: α ≥ 0.5, or sampled from α with ``seed``."""
        return mask_from_probabilities(self.execute_probabilities(), mode, seed, 'AdaSharePolicy')
