"""Aligned-MTL: the gradient matrix rescaled to condition number 1, against an SVD."""
import torch

from tests.models.balancers.two_gradients import G_A, G_B, aggregate


def test_aligned_mtl_sums_the_rows_of_the_rescaled_gradient_matrix():
    jacobian = torch.stack([G_A, G_B])
    u, s, vh = torch.linalg.svd(jacobian, full_matrices=False)
    expected = torch.full((2,), 0.5) @ (s.min() * u @ vh)
    d, _ = aggregate('AlignedMTLBalancer')
    torch.testing.assert_close(d, expected, atol=1e-4, rtol=1e-4)
