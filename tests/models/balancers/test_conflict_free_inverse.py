"""ConFIG: equal cosine with every task gradient, as long as their projections."""
import pytest

from tests.models.balancers.two_gradients import G_A, G_B, aggregate


def test_config_has_equal_cosine_with_both_gradients_and_their_projected_length():
    d, weights = aggregate('ConFIGBalancer')
    cos = [float(d @ g / (d.norm() * g.norm())) for g in (G_A, G_B)]
    assert cos[0] == pytest.approx(cos[1], abs=1e-5) and cos[0] > 0
    unit = d / d.norm()
    assert float(d.norm()) == pytest.approx(float(G_A @ unit + G_B @ unit), rel=1e-5)
    assert weights == {'a': 1.0, 'b': 1.0}  # not a weighting of the rows: the static weights
