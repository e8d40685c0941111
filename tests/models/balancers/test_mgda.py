"""MGDA: the minimum-norm point of the hull of two conflicting task gradients, worked by hand."""
import pytest
import torch

from tests.models.balancers.two_gradients import aggregate, combine


def test_mgda_is_the_minimum_norm_point_of_the_hull():
    # ‖α g_a + (1−α) g_b‖² = (6 − 10α)² + 2 is smallest at α = 0.6: d = (0, 1, 1)
    d, weights = aggregate('MGDABalancer')
    torch.testing.assert_close(d, torch.tensor([0.0, 1.0, 1.0]), atol=1e-3, rtol=0)
    assert weights == pytest.approx({'a': 0.6, 'b': 0.4}, abs=1e-3)


# g_a = (4, 0, 0), g_b = (0, 1, 0): orthogonal, ‖g_a‖ = 4, ‖g_b‖ = 1; losses L = (2, 0.5)
G_4, G_1 = torch.tensor([4.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])


def _normalised(normalization, normalized_step=False, losses=(2.0, 0.5)):
    from mtlreg.registry import BALANCERS
    balancer = BALANCERS.build(dict(type='MGDABalancer', normalization=normalization, normalized_step=normalized_step,
                                    epsilon=1e-8, max_iters=1000), default_args=dict(task_names=['a', 'b']))
    balancer._step_losses = dict(zip('ab', losses))
    return combine(balancer, G_4, G_1)


@pytest.mark.parametrize('normalization, normalized_step, expected', [
    ('none', False, (1 / 17, 16 / 17)),  # α·16 = (1 − α)·1: the small gradient takes the weight
    ('l2', False, (1 / 2, 1 / 2)),  # unit gradients: equal α, applied to the raw gradients (the authors' code)
    ('l2', True, (1 / 8, 1 / 2)),  # α / ‖g‖ (LibMTL)
    ('loss', False, (1 / 2, 1 / 2)),  # g / L = (2, 0, 0), (0, 2, 0)
    ('loss+', False, (16 / 17, 1 / 17)),  # g / (L ‖g‖) = (0.5, 0, 0), (0, 2, 0): α_a · 0.25 = α_b · 4
])
def test_the_gradient_normalisations_of_the_authors_code_by_hand(normalization, normalized_step, expected):
    d, weights = _normalised(normalization, normalized_step)
    assert (weights['a'], weights['b']) == pytest.approx(expected, abs=1e-5)
    torch.testing.assert_close(d, expected[0] * G_4 + expected[1] * G_1, atol=1e-5, rtol=0)


def test_an_unknown_normalisation_and_a_loss_normalisation_without_the_step_losses_are_errors():
    from mtlreg.registry import BALANCERS
    with pytest.raises(ValueError, match=r"normalization must be one of \('none', 'l2', 'loss', 'loss\+'\), got 'L2'"):
        BALANCERS.build(dict(type='MGDABalancer', normalization='L2'), default_args=dict(task_names=['a', 'b']))
    balancer = BALANCERS.build(dict(type='MGDABalancer', normalization='loss'), default_args=dict(task_names=['a', 'b']))
    with pytest.raises(ValueError, match="normalization='loss' needs the losses of the step"):
        combine(balancer, G_4, G_1)


@pytest.mark.parametrize('gradients', ['parameters', 'representation'])
def test_a_model_step_with_loss_normalisation_weighs_by_the_step_losses(gradients):
    # with 'loss' the weights on the raw gradients are α from ∇L_k / L_k: the same as with losses scaled by 10
    from mmengine.optim import OptimWrapper

    from mtlreg.models.balancers.mgda import MGDABalancer
    from tests.models.balancers.test_gradient_balancer import _two_task_model
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    weights = []
    for scale in (1.0, 10.0):
        model = _two_task_model()
        model.balancer = MGDABalancer(['a', 'b'], task_weights={'a': scale}, normalization='loss', gradients=gradients,
                                      epsilon=1e-8)
        log = model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))
        weights.append((float(log['weight_a']) / scale, float(log['weight_b'])))
    assert weights[0] == pytest.approx(weights[1], rel=1e-4)  # λ_a scales L_a and its gradient alike
    assert sum(weights[0]) == pytest.approx(1.0, abs=1e-4) and min(weights[0]) > 0
