"""Uncertainty weighting: the objective and its gradients by hand, for regression and classification tasks."""
import math

import pytest
import torch

from mtlreg.models.balancers import UncertaintyBalancer


def test_uncertainty_objective_and_gradients():
    uw = UncertaintyBalancer(['a', 'b'], init_log_var=-0.5, task_types={'b': 'classification'})
    with torch.no_grad():
        uw.log_vars[1] = 0.2
    la, lb = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    objective = uw({'a': la, 'b': lb})
    # regression: exp(-s)/2 * L + s/2; classification: exp(-s) * L + s/2
    assert objective.item() == pytest.approx(0.5 * math.exp(0.5) * 2 - 0.25 + math.exp(-0.2) * 3 + 0.1)
    objective.backward()
    assert float(la.grad) == pytest.approx(0.5 * math.exp(0.5))
    assert float(lb.grad) == pytest.approx(math.exp(-0.2))
    assert uw.log_vars.grad.tolist() == pytest.approx([-0.5 * math.exp(0.5) * 2 + 0.5, -math.exp(-0.2) * 3 + 0.5])
    assert uw.current_weights() == pytest.approx({'a': 0.5 * math.exp(0.5), 'b': math.exp(-0.2)})
    with pytest.raises(ValueError, match="expected \\['classification', 'regression'\\]"):
        UncertaintyBalancer(['a'], task_types={'a': 'ranking'})
