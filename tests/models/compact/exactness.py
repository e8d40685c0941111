"""The check every compact-execution test shares: the compact model gives the gated supernet's outputs."""
import torch

from mtlreg.models.compact import compile_model


def assert_compact_matches_supernet(model, x: torch.Tensor, tolerance: float = 1e-5):
    """Compile ``model`` (in eval mode) and compare every task's output on ``x``; return the compact model."""
    compact = compile_model(model)
    with torch.no_grad():
        expected, got = model.task_outputs(x), compact(x)
    for task in model.task_names:
        assert (expected[task] - got[task]).abs().max() <= tolerance, task
    return compact
