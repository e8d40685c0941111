import math

import pytest
import torch

from mtlreg.datasets import SyntheticRegressionDataset
from mtlreg.datasets.synthetic_regression_dataset import synthetic_targets, task_weights


@pytest.mark.parametrize('rho', [0.0, 0.3, 1.0])
def test_task_directions_have_the_asked_relatedness(rho):
    w = task_weights((0, 0, 1, 1), rho, dim=16, scale=2.0, seed=3)
    gram = w @ w.T
    # |w| = c; within a group the cosine is rho; across groups the directions are orthogonal
    assert torch.allclose(gram.diagonal(), torch.full((4,), 4.0, dtype=torch.float64))
    assert gram[0, 1] == pytest.approx(4.0 * rho) and gram[2, 3] == pytest.approx(4.0 * rho)
    assert torch.allclose(gram[:2, 2:], torch.zeros(2, 2, dtype=torch.float64), atol=1e-12)


def test_targets_follow_the_generator_formula():
    w = torch.tensor([1.0, 0.0])
    x = torch.tensor([[0.5, 7.0]])  # w^T x = 0.5
    # m = 2: 0.5 + sin(1 * 0.5 + 0) + sin(2 * 0.5 + 1)
    expected = 0.5 + math.sin(0.5) + math.sin(2.0)
    assert synthetic_targets(x, w, num_sines=2).item() == pytest.approx(expected)


def test_samples_noise_and_splits():
    a = SyntheticRegressionDataset(0, groups=(0, 0), rho=1.0, num_samples=4000, dim=8, noise_std=0.1)
    b = SyntheticRegressionDataset(1, groups=(0, 0), rho=1.0, num_samples=4000, dim=8, noise_std=0.1)
    x = torch.stack([torch.as_tensor(a[i]['img']) for i in range(len(a))]).double()
    y = torch.tensor([float(a[i]['y'][0]) for i in range(len(a))], dtype=torch.float64)
    w = task_weights((0, 0), 1.0, dim=8)[0]
    residual = y - synthetic_targets(x, w)
    assert residual.std().item() == pytest.approx(0.1, rel=0.1)  # eps ~ N(0, 0.01)
    assert a[0]['label_types'] == {'y': 'value'} and a[0]['img'].shape == (8,)
    # each task and split draws its own inputs; the same arguments give the same data
    assert not torch.equal(torch.as_tensor(a[0]['img']), torch.as_tensor(b[0]['img']))
    val = SyntheticRegressionDataset(0, groups=(0, 0), num_samples=5, dim=8, split='val')
    assert not torch.equal(torch.as_tensor(val[0]['img']), torch.as_tensor(a[0]['img']))
    again = SyntheticRegressionDataset(0, groups=(0, 0), rho=1.0, num_samples=4000, dim=8, noise_std=0.1)
    assert torch.equal(torch.as_tensor(again[7]['img']), torch.as_tensor(a[7]['img']))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match='split must be'):
        SyntheticRegressionDataset(0, split='dev')
    with pytest.raises(ValueError, match='task_index 2 is outside groups'):
        SyntheticRegressionDataset(2, groups=(0, 0))
    with pytest.raises(ValueError, match='rho must lie'):
        task_weights((0, 0), 1.5)
