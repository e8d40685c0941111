"""Visualisation: MMEngine's visualisers and backends, and pictures of sharing policies."""
from .policy_plot import policy_heatmap, save_png

__all__ = ['policy_heatmap', 'save_png']
