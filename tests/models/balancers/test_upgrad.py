"""UPGrad (and the dual-cone property it shares with DualProj): the projections worked by hand."""
import pytest
import torch

from mtlreg.registry import BALANCERS
from tests.models.balancers.two_gradients import G_A, G_B, aggregate, cosine


@pytest.mark.parametrize('name', ['UPGradBalancer', 'DualProjBalancer'])
def test_dual_cone_methods_conflict_with_no_task_and_keep_the_mean_of_agreeing_gradients(name):
    d, _ = aggregate(name)
    assert cosine(d, G_A) >= -1e-3 and cosine(d, G_B) >= -1e-3  # up to the QP solver's tolerance
    assert not torch.allclose(d, (G_A + G_B) / 2, atol=1e-2)
    agreeing = torch.tensor([2.0, 1.0, 0.0]), torch.tensor([1.0, 2.0, 1.0])
    d, _ = aggregate(name, *agreeing)
    torch.testing.assert_close(d, (agreeing[0] + agreeing[1]) / 2, atol=2e-3, rtol=0)


def test_upgrad_is_the_mean_of_the_projections_of_each_gradient():
    # g_b · g_a < 0: π(g_a) and π(g_b) each lose their component along the other gradient's normal
    # plane only as far as needed; for two gradients the projection of g_k onto {x: g_a·x ≥ 0, g_b·x ≥ 0}
    # is g_k − (g_k·g_j)/‖g_j‖² g_j when that point satisfies the other constraint
    p_a = G_A - (G_A @ G_B) / (G_B @ G_B) * G_B
    p_b = G_B - (G_B @ G_A) / (G_A @ G_A) * G_A
    assert float(p_a @ G_A) > 0 and float(p_b @ G_B) > 0
    d, weights = aggregate('UPGradBalancer')
    torch.testing.assert_close(d, (p_a + p_b) / 2, atol=2e-3, rtol=0)
    torch.testing.assert_close(torch.tensor([weights['a'], weights['b']]) @ torch.stack([G_A, G_B]), d,
                               atol=2e-3, rtol=0)


def test_upgrad_pref_vector_needs_one_value_per_task():
    with pytest.raises(ValueError, match=r"UPGradBalancer: pref_vector needs one value per task \['a', 'b'\]"):
        BALANCERS.build(dict(type='UPGradBalancer', pref_vector=[1.0]), default_args=dict(task_names=['a', 'b']))
