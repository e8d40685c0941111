"""Three parts' Jacobians (K = 2 tasks × 3 values, split over shapes (2,), (1,)) and their combination by a balancer."""
import torch

from mtlreg.registry import BALANCERS

#: part 1 and part 2: conflicting task gradients (a · b < 0 in both); part 3: the update's
J1 = torch.tensor([[-4.0, 1.0, 1.0], [6.0, 1.0, 1.0]])
J2 = torch.tensor([[-2.0, 1.0, 0.0], [4.0, 0.0, 1.0]])
J3 = torch.tensor([[-3.0, 2.0, 1.0], [5.0, 1.0, 0.0]])


def build(name, **args):
    return BALANCERS.build(dict(type=name, **args), default_args=dict(task_names=['a', 'b']))


def combine(balancer, *parts):
    out = balancer.combine_samples([{t: [row[:2], row[2:]] for t, row in zip('ab', part)} for part in parts])
    assert [tuple(o.shape) for o in out] == [(2,), (1,)]
    return torch.cat(out), balancer.current_weights()
