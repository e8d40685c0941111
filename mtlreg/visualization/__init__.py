"""Visualisation: MMEngine's visualisers and backends, and pictures of sharing policies."""
from .policy_plot import decision_heatmap, policy_heatmap, save_png
from .tensorboard_backend import LazyTensorboardVisBackend

__all__ = ['decision_heatmap', 'policy_heatmap', 'save_png', 'LazyTensorboardVisBackend']
