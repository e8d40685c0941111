"""Geometric-mean loss balancing: (Π_k L_k)^(1/K) (Chennupati et al., CVPR-W 2019)."""
import torch

from mtlreg.models.balancers import BaseBalancer
from mtlreg.registry import BALANCERS


@BALANCERS.register_module()
class GeometricMeanBalancer(BaseBalancer):
    """The geometric mean of the task losses; its effective weights are GM / (K · L_k)."""

    def forward(self, losses):
        stacked = torch.stack([v.clamp_min(1e-12) for v in losses.values()])
        total = stacked.log().mean().exp()
        k = len(losses)
        self._weights = {t: float(total.detach() / (k * v.detach().clamp_min(1e-12))) for t, v in losses.items()}
        return total

    def current_weights(self):
        return dict(getattr(self, '_weights', {t: 1.0 for t in self.task_names}))
