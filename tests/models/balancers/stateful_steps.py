"""Aggregations of given Jacobians by a Jacobian balancer, and the check that its state survives a checkpoint."""
import io

import torch

from mtlreg.registry import BALANCERS


def build(name, tasks=('a', 'b'), **args):
    return BALANCERS.build(dict(type=name, **args), default_args=dict(task_names=list(tasks)))


def step(balancer, jacobian):
    """The balancer's combination of the rows of ``jacobian`` (K × 3, task order; split over shapes (2,), (1,))."""
    out = balancer.shared_gradients({t: [row[:2], row[2:]] for t, row in zip(balancer.task_names, jacobian)})
    assert [tuple(o.shape) for o in out] == [(2,), (1,)]
    return torch.cat(out), balancer.current_weights()


def saved(balancer) -> dict:
    """The balancer's state_dict as a checkpoint gives it back (``torch.load(weights_only=True)``)."""
    buffer = io.BytesIO()
    torch.save(balancer.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def check_resume(name, history, following, tasks=('a', 'b'), state_matters=True, **args):
    """After the aggregations of ``history``, a balancer restored from the state_dict aggregates ``following``
    bitwise as the original does; state_dicts saved before the first step and after it load strictly.

    ``following`` may be of another dtype than ``history`` (the restored state follows the Jacobian). With
    ``state_matters``, a balancer without the history aggregates ``following`` differently (so the check
    can fail), and loading the state saved before the first step makes the original start over.
    """
    original = build(name, tasks, **args)
    before = saved(original)
    assert '_extra_state' in before
    build(name, tasks, **args).load_state_dict(before, strict=True)
    for jacobian in history:
        step(original, jacobian)
    after = saved(original)
    resumed = build(name, tasks, **args)
    resumed.load_state_dict(after, strict=True)
    expected, expected_weights = step(original, following)
    got, got_weights = step(resumed, following)
    assert torch.equal(got, expected) and got_weights == expected_weights
    fresh, _ = step(build(name, tasks, **args), following)
    if state_matters:
        assert not torch.allclose(fresh, expected, atol=1e-4, rtol=0), 'the state made no difference'
        original.load_state_dict(before, strict=True)
        assert torch.equal(step(original, following)[0], fresh)
    return resumed
