"""A report's figures are drawn by the renderer of their kind; a new kind is one registration."""
import numpy as np
import pytest

from mtlreg.structures.policy_report import ReportFigure
from mtlreg.visualization import FIGURE_RENDERERS, policy_heatmap, register_figure_kind, render_figure
from mtlreg.visualization.graph_plot import task_graph_image


def test_each_kind_draws_what_its_picture_function_draws():
    values = np.array([[0.9, 0.2], [0.3, 0.8]])
    heatmap = ReportFigure('heatmap', dict(values=values, rows=['a', 'b'], columns=['u', 'v']), title='t')
    assert np.array_equal(render_figure(heatmap), policy_heatmap(values, ['a', 'b'], ['u', 'v'], title='t'))
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, 1] = mask[1, 2] = mask[2, 3] = True
    graph = ReportFigure('task_graph', dict(mask=mask), title='a')
    assert np.array_equal(render_figure(graph, title='b'), task_graph_image(mask, title='b'))
    figure = ReportFigure('shared_adjacency', dict(masks=np.stack([mask, mask.T]), task_names=['a', 'b']))
    shared = render_figure(figure)
    assert shared.dtype == np.uint8 and shared.ndim == 3 and shared.shape[2] == 3


def test_an_unknown_kind_names_the_kinds_there_are():
    with pytest.raises(KeyError, match="no renderer for the figure kind 'pie'.*'heatmap'"):
        render_figure(ReportFigure('pie'))


def test_a_new_kind_is_registered_once(monkeypatch):
    monkeypatch.setattr('mtlreg.visualization.report_figures.FIGURE_RENDERERS', dict(FIGURE_RENDERERS))
    from mtlreg.visualization import report_figures

    def blank(title='', size=2):
        return np.zeros((size, size, 3), dtype=np.uint8)

    report_figures.register_figure_kind('blank', blank)
    assert render_figure(ReportFigure('blank', dict(size=3))).shape == (3, 3, 3)
    with pytest.raises(KeyError, match='already drawn'):
        report_figures.register_figure_kind('blank', lambda title='': None)
    assert 'blank' not in FIGURE_RENDERERS and register_figure_kind is report_figures.register_figure_kind
