"""IMTL-G: equal projections onto every task direction, weights summing to one."""
import pytest
import torch

from tests.models.balancers.two_gradients import G_A, G_B, aggregate


def test_imtl_g_projects_equally_onto_every_task_direction():
    d, weights = aggregate('IMTLGBalancer')
    assert float(d @ G_A / G_A.norm()) == pytest.approx(float(d @ G_B / G_B.norm()), abs=1e-4)
    assert weights['a'] + weights['b'] == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(weights['a'] * G_A + weights['b'] * G_B, d, atol=1e-4, rtol=0)
