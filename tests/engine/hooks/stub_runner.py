"""A stand-in runner for the hooks' checks before training: a model holding a policy, a stage, an evaluator."""
from types import SimpleNamespace

from torch import nn


class _Model(nn.Module):
    def __init__(self, policy):
        super().__init__()
        self.policy = policy


def _runner(policy, evaluator=None):
    loop = SimpleNamespace(stages=[SimpleNamespace(name='search', iters=4)])
    return SimpleNamespace(model=_Model(policy), train_loop=loop, val_loop=SimpleNamespace(evaluator=evaluator))
