"""DualProj: the mean gradient projected onto the dual cone, worked by hand."""
import torch

from tests.models.balancers.two_gradients import G_A, G_B, aggregate, cosine


def test_dualproj_projects_the_mean_onto_the_dual_cone():
    # the mean (1, 1, 1) conflicts with g_a (−2); removing that component: (1, 1, 1) + 2/18 · g_a
    d, _ = aggregate('DualProjBalancer')
    torch.testing.assert_close(d, torch.tensor([1 - 8 / 18, 1 + 2 / 18, 1 + 2 / 18]), atol=2e-3, rtol=0)
    assert cosine(d, G_A) >= -1e-3 and cosine(d, G_B) > 0
