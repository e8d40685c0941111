"""Two conflicting task gradients, split over two parameters, and their aggregation by a registered balancer."""
import torch

from mtlreg.registry import BALANCERS

#: two conflicting task gradients (g_a · g_b = −22), split over two parameters of shapes (2,) and (1,)
G_A, G_B = torch.tensor([-4.0, 1.0, 1.0]), torch.tensor([6.0, 1.0, 1.0])


def aggregate(name, g_a=G_A, g_b=G_B, **args):
    """The balancer's combined gradient (flattened) and its logged weights."""
    balancer = BALANCERS.build(dict(type=name, **args), default_args=dict(task_names=['a', 'b']))
    out = balancer.shared_gradients({'a': [g_a[:2], g_a[2:]], 'b': [g_b[:2], g_b[2:]]})
    assert [tuple(o.shape) for o in out] == [(2,), (1,)]
    return torch.cat(out), balancer.current_weights()


def combine(balancer, g_a=G_A, g_b=G_B):
    """A built balancer's combination (flattened) of two task gradients split as above, and its logged weights."""
    out = balancer.shared_gradients({'a': [g_a[:2], g_a[2:]], 'b': [g_b[:2], g_b[2:]]})
    return torch.cat(out), balancer.current_weights()


def cosine(x, y) -> float:
    return float(x @ y / (x.norm() * y.norm()))
