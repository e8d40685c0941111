"""Gumbel-Matrix allocation: a Bernoulli per (task, layer, component), sampled straight-through."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mtlreg.registry import POLICIES
from mtlreg.structures.policy_report import PolicyReport, ReportFigure
from mtlreg.structures.task_embedding import (cosine_similarity_matrix, identical_task_groups,
                                              num_distinct_embeddings, task_embeddings)
from .base import BasePolicy, mask_from_probabilities


@POLICIES.register_module()
class GumbelMatrixPolicy(BasePolicy):
    """Per task, a learned binary allocation of each modular layer's components.

    Maziarz et al., "Flexible Multi-task Networks by Learning Parameter
    Allocation", Sec. III. For task k, layer l and component c the policy holds
    the two complementary logits ``log(p), log(1 − p)`` of a Bernoulli
    allocation, initialised from ``p_init``. In training a gate is the first
    component of a straight-through Gumbel-softmax sample at temperature τ:
    exactly 0 or 1 forward, the soft sample's gradient backward. In evaluation
    the gate is the maximum-likelihood allocation ``p ≥ 0.5``
    (``eval_sampling=True`` samples instead). The budget penalty
    ``λ · max(0, e_c − b)``, with ``e_c`` the mean allocation probability over
    all tasks, layers and components, keeps the expected share of active
    connections below ``b``.

    Args:
        task_names: the tasks.
        unit_grid: ``(layers, components)``.
        p_init: initial allocation probability. Defaults to 0.5.
        temperature: initial τ (a buffer, for ``TemperatureScheduleHook``). Defaults to 1.0.
        budget: b, or None for no penalty. Defaults to None.
        budget_weight: λ. Defaults to 1.0.
        eval_sampling: sample the allocation in evaluation. Defaults to False.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(2, 3))

    drives = ('components',)

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], p_init: float = 0.5,
                 temperature: float = 1.0, budget: float | None = None, budget_weight: float = 1.0,
                 eval_sampling: bool = False):
        super().__init__(task_names, unit_grid)
        if len(self.unit_grid) != 2:
            raise ValueError(f'GumbelMatrixPolicy: expects a (layers, components) grid, got {self.unit_grid}')
        if not 0.0 < p_init < 1.0:
            raise ValueError(f'GumbelMatrixPolicy: p_init must lie in (0, 1), got {p_init}')
        if budget is not None and not 0.0 < budget <= 1.0:
            raise ValueError(f'GumbelMatrixPolicy: budget must lie in (0, 1], got {budget}')
        init = torch.tensor([math.log(p_init), math.log(1.0 - p_init)])
        self.logits = nn.Parameter(init.repeat(len(self.task_names), *self.unit_grid, 1))
        self.register_schedulable('temperature', float(temperature))
        self.budget, self.budget_weight, self.eval_sampling = budget, budget_weight, eval_sampling

    def allocation_probabilities(self) -> torch.Tensor:
        """p per task, layer and component, ``[K, L, C]``."""
        return self.logits.softmax(-1)[..., 0]

    def search_probabilities(self) -> torch.Tensor:
        return self.allocation_probabilities().detach()

    def policy_gates(self, task: str) -> torch.Tensor:
        k = self.task_index(task)
        if self.training:
            return F.gumbel_softmax(self.logits[k], tau=float(self.temperature), hard=True)[..., 0]
        if self.eval_sampling:
            return torch.bernoulli(self.allocation_probabilities()[k].detach())
        return (self.allocation_probabilities()[k] >= 0.5).float().detach()

    def budget_penalty(self) -> torch.Tensor:
        """``max(0, e_c − b)`` (unweighted); 0 without a budget."""
        if self.budget is None:
            return self.logits.sum() * 0.0
        return F.relu(self.allocation_probabilities().mean() - self.budget)

    def policy_regularizers(self) -> dict[str, torch.Tensor]:
        if self.budget is None:
            return {}
        return {'reg_budget': self.budget_weight * self.budget_penalty()}

    def derive_mask(self, mode: str = 'argmax', seed: int | None = None) -> torch.Tensor:
        """The boolean allocation ``[K, L, C]``: maximum likelihood, or sampled with ``seed``."""
        return mask_from_probabilities(self.allocation_probabilities(), mode, seed, 'GumbelMatrixPolicy')

    def report(self, per_unit: bool = False) -> PolicyReport:
        """How alike the tasks' allocations are, in a report called ``task_embeddings``.

        Maziarz et al., Sec. III-E and V-C: a task's embedding is its concatenated binary allocation
        (the discrete mask). ``record`` holds the tasks, their embeddings, the pairwise cosine
        similarity (rounded to 6 digits), the number of distinct embeddings and the groups of tasks
        with identical ones. Scalars: ``task_embedding/distinct`` and, per task and layer,
        ``allocation/<task>/layer<l>``, the mean allocation probability over the layer's components
        (``per_unit=True``: ``allocation/<task>/layer<l>/unit<c>`` per component). Figure:
        ``task_similarity`` (kind ``'heatmap'``). The table gives each task's group (the index of its
        group of identical embeddings) and how many components it uses.

        Args:
            per_unit: a scalar per component rather than per layer. Defaults to False.
        """
        names = list(self.task_names)
        mask = self.discretize().cpu()
        embeddings = task_embeddings(mask)
        similarity = cosine_similarity_matrix(embeddings)
        distinct = num_distinct_embeddings(embeddings)
        groups = identical_task_groups(embeddings, names)
        record = {'tasks': names,
                  'embeddings': {t: [int(v) for v in row] for t, row in zip(names, embeddings.tolist())},
                  'similarity': [[round(v, 6) for v in row] for row in similarity.tolist()],
                  'distinct': distinct, 'identical_groups': groups}
        scalars = {'task_embedding/distinct': float(distinct)}
        probs = self.probabilities().detach().cpu().float()
        for k, task in enumerate(names):
            for layer in range(probs.shape[1]):
                if per_unit:
                    scalars.update({f'allocation/{task}/layer{layer}/unit{c}': float(p)
                                    for c, p in enumerate(probs[k, layer])})
                else:
                    scalars[f'allocation/{task}/layer{layer}'] = float(probs[k, layer].mean())
        figures = {'task_similarity': ReportFigure(
            'heatmap', dict(values=similarity.numpy(), rows=names, columns=names, value_label='cosine similarity',
                            flag_uncertain=False), title='task embedding similarity')}
        group_of = {t: g for g, members in enumerate(groups) for t in members}
        table = {t: {'group': str(group_of[t]), 'components': f'{int(mask[k].sum())}/{mask[k].numel()}'}
                 for k, t in enumerate(names)}
        return PolicyReport('task_embeddings', record=record, scalars=scalars, figures=figures,
                            title=f'Task embeddings: {distinct} distinct; identical groups {groups}', table=table)
