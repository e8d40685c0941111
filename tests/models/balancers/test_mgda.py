"""MGDA: the minimum-norm point of the hull of two conflicting task gradients, worked by hand."""
import pytest
import torch

from tests.models.balancers.two_gradients import aggregate


def test_mgda_is_the_minimum_norm_point_of_the_hull():
    # ‖α g_a + (1−α) g_b‖² = (6 − 10α)² + 2 is smallest at α = 0.6: d = (0, 1, 1)
    d, weights = aggregate('MGDABalancer')
    torch.testing.assert_close(d, torch.tensor([0.0, 1.0, 1.0]), atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 0.6, 'b': 0.4}, abs=1e-3)
