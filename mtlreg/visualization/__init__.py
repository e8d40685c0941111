"""Visualisation: MMEngine's visualisers and backends, and pictures of sharing policies."""
from .policy_plot import decision_heatmap, policy_heatmap, save_png
from .report_figures import FIGURE_RENDERERS, register_figure_kind, render_figure
from .tensorboard_backend import LazyTensorboardVisBackend

__all__ = ['FIGURE_RENDERERS', 'decision_heatmap', 'policy_heatmap', 'register_figure_kind', 'render_figure',
           'save_png', 'LazyTensorboardVisBackend']
