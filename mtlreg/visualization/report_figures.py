"""Pictures of a policy's report: one renderer per figure kind.

A :class:`~mtlreg.structures.policy_report.ReportFigure` names its ``kind``
and holds the renderer's keyword arguments; :func:`render_figure` draws it as
an RGB ``uint8`` image. The kinds drawn here are ``'heatmap'`` (a rows ×
columns matrix in [0, 1]), ``'task_graph'`` (one task's DAG sub-graph) and
``'shared_adjacency'`` (every task's DAG grid in one matrix); a policy reuses
them for its own data, and :func:`register_figure_kind` adds a kind.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from mtlreg.structures.policy_report import ReportFigure
from .graph_plot import shared_adjacency_image, task_graph_image
from .policy_plot import policy_heatmap

#: ``{kind: renderer}``; a renderer takes the figure's data as keyword arguments and ``title``
FIGURE_RENDERERS: dict[str, Callable[..., np.ndarray]] = {}


def register_figure_kind(kind: str, renderer: Callable[..., np.ndarray]) -> None:
    """Draw figures of ``kind`` with ``renderer(title=..., **figure.data)``; a kind is registered once."""
    if kind in FIGURE_RENDERERS and FIGURE_RENDERERS[kind] is not renderer:
        raise KeyError(f'register_figure_kind: the figure kind {kind!r} is already drawn by '
                       f'{FIGURE_RENDERERS[kind].__module__}.{FIGURE_RENDERERS[kind].__qualname__}')
    FIGURE_RENDERERS[kind] = renderer


def render_figure(figure: ReportFigure, title: str | None = None) -> np.ndarray:
    """The picture of ``figure`` as an RGB ``uint8`` image; ``title`` replaces the figure's own."""
    try:
        renderer = FIGURE_RENDERERS[figure.kind]
    except KeyError:
        raise KeyError(f'render_figure: no renderer for the figure kind {figure.kind!r}; the kinds are '
                       f'{sorted(FIGURE_RENDERERS)} (register_figure_kind adds one)') from None
    return renderer(title=figure.title if title is None else title, **figure.data)


def _heatmap(values, rows, columns=None, decision=None, value_label: str = 'probability',
             flag_uncertain: bool = True, title: str = '') -> np.ndarray:
    return policy_heatmap(np.asarray(values), list(rows), None if columns is None else list(columns), title=title,
                          decision=None if decision is None else np.asarray(decision), value_label=value_label,
                          flag_uncertain=flag_uncertain)


def _task_graph(mask, color=None, title: str = '') -> np.ndarray:
    return task_graph_image(np.asarray(mask), title=title, color=color)


def _shared_adjacency(masks, task_names, title: str = '') -> np.ndarray:
    return shared_adjacency_image(np.asarray(masks), list(task_names), title=title)


register_figure_kind('heatmap', _heatmap)
register_figure_kind('task_graph', _task_graph)
register_figure_kind('shared_adjacency', _shared_adjacency)
