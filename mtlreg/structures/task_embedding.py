"""Task embeddings: a task's concatenated binary allocation, and how alike the tasks' embeddings are.

Maziarz et al., "Flexible Multi-task Networks by Learning Parameter
Allocation", Sec. III-E (a task's allocation embeds the task) and Sec. V-C
(the embeddings of the learned allocations cluster related tasks). Pure
functions of a boolean mask ``[tasks, *unit_grid]``: they apply to the
discrete mask of any policy.
"""
from __future__ import annotations

import torch


def task_embeddings(mask: torch.Tensor) -> torch.Tensor:
    """Each task's allocation flattened into one 0/1 vector, ``[tasks, units]`` float.

    Maziarz et al., Sec. V-C: the concatenation of a task's rows of every
    layer's allocation matrix embeds the task; tasks that use the same
    components get the same embedding.
    """
    return mask.reshape(mask.shape[0], -1).float()


def cosine_similarity_matrix(embeddings: torch.Tensor) -> torch.Tensor:
    """Pairwise cosine similarity ``[tasks, tasks]``; a task that uses no unit has similarity 0 to every task."""
    norms = embeddings.norm(dim=1, keepdim=True)
    unit = torch.where(norms > 0, embeddings / norms.clamp_min(1e-12), torch.zeros_like(embeddings))
    return unit @ unit.T


def identical_task_groups(embeddings: torch.Tensor, task_names: list[str]) -> list[list[str]]:
    """The tasks grouped by identical embedding, groups in order of their first task."""
    groups: dict[tuple, list[str]] = {}
    for name, row in zip(task_names, embeddings.tolist()):
        groups.setdefault(tuple(row), []).append(name)
    return list(groups.values())


def num_distinct_embeddings(embeddings: torch.Tensor) -> int:
    """How many different embeddings the tasks have (1: one shared network; K: all different)."""
    return int(torch.unique(embeddings, dim=0).shape[0])
