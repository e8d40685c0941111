"""Every metric gives the same values for CUDA tensors as for CPU tensors (on a machine with CUDA)."""
import pytest
import torch

from mtlreg.evaluation import (ClassificationMetric, DenseRegressionMetric, DepthMetric,
                               SegmentationMetric, SurfaceNormalMetric)

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')


def test_metrics_accept_cuda_tensors():
    torch.manual_seed(0)
    cases = [
        (SegmentationMetric.calculate, (torch.randint(0, 3, (2, 4, 4)), torch.randint(0, 3, (2, 4, 4)), 3)),
        (DepthMetric.calculate, (torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4))),
        (SurfaceNormalMetric.calculate, (torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4))),
        (DenseRegressionMetric.calculate, (torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4))),
        (ClassificationMetric.calculate, (torch.randint(0, 3, (5,)), torch.randint(0, 3, (5,)))),
    ]
    for fn, args in cases:
        cpu = fn(*args)
        cuda = fn(*[a.cuda() if isinstance(a, torch.Tensor) else a for a in args])
        assert cuda == pytest.approx(cpu, rel=1e-5)
