"""Visualisation: MMEngine's visualisers and backends, and pictures of sharing policies."""
from .policy_plot import decision_heatmap, policy_heatmap, save_png

__all__ = ['decision_heatmap', 'policy_heatmap', 'save_png']
