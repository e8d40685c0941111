"""Task embeddings of a discrete allocation (Maziarz et al., Sec. III-E and V-C)."""
import math

import pytest
import torch

from mtlreg.structures.task_embedding import (cosine_similarity_matrix, identical_task_groups,
                                              num_distinct_embeddings, task_embeddings)


def test_similarity_of_a_hand_made_allocation():
    # 3 tasks, 2 layers x 2 components: a and b identical, c shares one of a's three units, d uses none
    mask = torch.tensor([[[1, 1], [1, 0]],
                         [[1, 1], [1, 0]],
                         [[0, 1], [0, 1]],
                         [[0, 0], [0, 0]]], dtype=torch.bool)
    emb = task_embeddings(mask)
    assert emb.tolist() == [[1, 1, 1, 0], [1, 1, 1, 0], [0, 1, 0, 1], [0, 0, 0, 0]]
    sim = cosine_similarity_matrix(emb)
    # cos(a, c) = 1 / (sqrt(3) * sqrt(2)); the empty task is similar to nothing
    expected = torch.tensor([[1, 1, 1 / math.sqrt(6), 0],
                             [1, 1, 1 / math.sqrt(6), 0],
                             [1 / math.sqrt(6), 1 / math.sqrt(6), 1, 0],
                             [0, 0, 0, 0]])
    assert torch.allclose(sim, expected, atol=1e-6)
    assert num_distinct_embeddings(emb) == 3
    assert identical_task_groups(emb, ['a', 'b', 'c', 'd']) == [['a', 'b'], ['c'], ['d']]


@pytest.mark.parametrize('k', [1, 5])
def test_identical_allocations_give_one_embedding(k):
    emb = task_embeddings(torch.ones(k, 3, 4, dtype=torch.bool))
    assert num_distinct_embeddings(emb) == 1
    assert torch.allclose(cosine_similarity_matrix(emb), torch.ones(k, k))
