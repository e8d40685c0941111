"""The plain data a policy reports: tags of its figures and its log text."""
from mtlreg.structures.policy_report import PolicyReport, ReportFigure


def test_figure_tags_default_to_the_figure_name():
    report = PolicyReport('topology', figures={'seg': ReportFigure('task_graph', tag='topology_seg'),
                                               'shared': ReportFigure('shared_adjacency')})
    assert report.figure_tag('seg') == 'topology_seg' and report.figure_tag('shared') == 'shared'


def test_text_is_the_title_and_one_line_per_row():
    report = PolicyReport('topology', title='DAG sub-networks',
                          table={'seg': {'D': '1', 'S': '0.500'}, 'depth': {'D': '0', 'S': '0.000'}})
    assert report.text('/w/topology') == ('DAG sub-networks (saved in /w/topology):\n'
                                          '  seg           D=1  S=0.500\n'
                                          '  depth         D=0  S=0.000')
    assert PolicyReport('plain').text() == 'plain'
