"""What a policy says about itself: a record for JSON, scalars, data for pictures and a table for the log.

A policy returns a :class:`PolicyReport` from ``BasePolicy.report()``; a hook
(``PolicyReportHook``) writes it: the record as JSON, the scalars and figures
to the visualiser, the figures as PNG files, the table to the log. The report
holds data only; the pictures are drawn by the renderer that
``mtlreg.visualization`` registers for each figure's ``kind``, so a policy
chooses among the kinds there (or adds one) without importing anything that
draws.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportFigure:
    """The data of one picture, drawn by the renderer registered for ``kind``.

    The kinds ``mtlreg.visualization`` draws, with the keys of ``data`` each takes:

    * ``'heatmap'``: ``values`` (``[rows, columns]`` in [0, 1]), ``rows`` (names), optionally
      ``columns`` (names), ``decision`` (a boolean ``[rows, columns]`` outlined on the picture),
      ``value_label`` and ``flag_uncertain``;
    * ``'task_graph'``: ``mask``, one task's binary ``(N+2) × (N+2)`` DAG grid, optionally ``color``;
    * ``'shared_adjacency'``: ``masks``, every task's binary DAG grid ``[K, N+2, N+2]``, and
      ``task_names``.

    Args:
        kind: which renderer draws the picture.
        data: the renderer's keyword arguments (arrays, names).
        title: the picture's title.
        tag: the visualiser's (TensorBoard's) image tag; None: the figure's name in the report.
    """

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    title: str = ''
    tag: str | None = None


@dataclass
class PolicyReport:
    """A policy's description of itself at one moment of training.

    Args:
        name: what the report is called; by default its folder in the work dir and the stem of its
            JSON file (``<work_dir>/<name>/<name>.json``).
        record: what the JSON file holds; only JSON types (dicts, lists, strings, numbers, booleans).
        scalars: ``{tag: value}`` for the visualiser (TensorBoard).
        figures: ``{name: figure}``; a figure is saved as ``<name>.png`` and shown under its tag.
        title: the first line of the log entry.
        table: the log's table, ``{row: {column: text}}`` (rows are usually tasks).
    """

    name: str
    record: dict[str, Any] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    figures: dict[str, ReportFigure] = field(default_factory=dict)
    title: str = ''
    table: dict[str, dict[str, str]] = field(default_factory=dict)

    def figure_tag(self, name: str) -> str:
        """The visualiser's tag of figure ``name``."""
        figure = self.figures[name]
        return figure.tag if figure.tag is not None else name

    def text(self, location: str | None = None) -> str:
        """The log entry: the title (with where the files went), then one line per row of the table."""
        head = self.title or self.name
        if location:
            head += f' (saved in {location})'
        if not self.table:
            return head
        width = max(12, *(len(str(row)) for row in self.table))
        rows = ['  ' + f'{row:<{width}}' + ''.join(f'  {column}={value}' for column, value in cells.items())
                for row, cells in self.table.items()]
        return head + ':\n' + '\n'.join(rows)
