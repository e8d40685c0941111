"""A DistributedDataParallel wrapper that keeps the model's own ``train_step``."""
from __future__ import annotations

from mmengine.model import MMDistributedDataParallel

from mtlreg.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MultiTaskDistributedDataParallel(MMDistributedDataParallel):
    """DDP that delegates ``train_step`` to the wrapped model, forwarding through itself.

    ``MMDistributedDataParallel.train_step`` re-implements a plain step and so
    ignores a model's own ``train_step`` (which bi-level methods need). Here
    the model's ``train_step`` runs, and its forward pass goes through DDP, so
    gradients of every parameter used in ``forward`` (balancer and policy
    parameters included) are averaged across ranks. Works on CPU with gloo
    (``device_ids=None``).
    """

    def train_step(self, data, optim_wrapper):
        return self.module.train_step(data, optim_wrapper, forward=self)
