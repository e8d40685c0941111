"""A picture of a compact model's sharing tree: one column per task, a box per unit spanning its sharers."""
from __future__ import annotations

import re
import textwrap
from typing import Sequence

import numpy as np

from mtlreg.visualization.canvas import figure_pixels, new_figure, task_colors


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs ``(first, last)`` of sorted column indices."""
    runs = []
    for c in sorted(columns):
        if runs and c == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def tree_layout(nodes: Sequence[dict], task_names: Sequence[str]) -> tuple[dict[int, int], list[str]]:
    """``(row of each node, task columns in order)``: tasks that share a prefix stand side by side.

    A node's row is its depth below the stem (a tree) or its ``depth`` field (a DAG's state).
    """
    depth = {}
    for node in nodes:
        parent = node['parent']
        if 'depth' in node:  # a DAG's state node: its place in the order of states
            depth[node['node']] = node['depth']
        else:
            depth[node['node']] = 1 + (depth[parent] if parent in depth else 0)
    paths = {t: tuple(n['node'] for n in sorted(nodes, key=lambda n: depth[n['node']]) if t in n['tasks'])
             for t in task_names}
    order = sorted(task_names, key=lambda t: paths[t])  # shared prefixes side by side
    return depth, order


def sharing_tree_image(nodes: Sequence[dict], task_names: Sequence[str], title: str = '') -> np.ndarray:
    """Draw the nodes of a compact backbone (``compact_report(...)['sharing']``) as an RGB ``uint8`` image.

    Each task is a column, read top to bottom from the stem; each node is a box at its depth that
    spans the columns of the tasks running it, labelled with its unit, so a box across several
    columns is computed once for those tasks. A skipped unit leaves a gap in the task's column (a
    dashed box where the skip still runs a shortcut projection).
    """
    from matplotlib.patches import Rectangle

    depth, order = tree_layout(nodes, task_names)
    column = {t: i for i, t in enumerate(order)}
    rows = max(depth.values(), default=0) + 1
    colors = dict(zip(task_names, task_colors(len(task_names))))
    fig, canvas = new_figure(max(6.5, 1.6 + 1.25 * len(order)), 1.2 + 0.42 * rows)
    ax = fig.add_subplot(1, 1, 1)

    def box(first, last, row, label, dashed=False, face='white'):
        ax.add_patch(Rectangle((first - 0.45, row - 0.38), last - first + 0.9, 0.76, facecolor=face,
                               edgecolor='black', lw=0.8, ls='--' if dashed else '-', zorder=2))
        ax.text((first + last) / 2, row, label, ha='center', va='center', fontsize=7, zorder=3)

    for t, c in column.items():
        ax.plot([c, c], [0, rows - 0.5], color=colors[t], lw=6, alpha=0.35, zorder=1, solid_capstyle='butt')
    graph = any('depth' in node for node in nodes)
    box(0, len(order) - 1, 0, 'input' if graph else 'stem (shared)', face='lightgray')
    for node in nodes:
        label = node['unit']
        if not label or not node['tasks']:
            continue  # an identity skip: a gap in the column
        skip = re.fullmatch(r'skip(\d+)', label)
        text = f'shortcut {skip.group(1)}' if skip else re.sub(r'^block(\d+)$', r'block \1', label)
        for first, last in _runs([column[t] for t in node['tasks']]):
            shared = last > first
            box(first, last, depth[node['node']], text + (' (shared)' if shared and not skip else ''),
                dashed=bool(skip), face='white' if skip else ('#dfe9f5' if shared else 'white'))
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_xticks(range(len(order)), labels=order, fontsize=8)
    for label, t in zip(ax.get_xticklabels(), order):
        label.set_color(colors[t])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    for side in ('left', 'right', 'bottom', 'top'):
        ax.spines[side].set_visible(False)
    title = title or 'sharing tree: a box across columns runs once for those tasks; a gap is a skipped unit'
    ax.set_title(textwrap.fill(title, width=int(fig.get_figwidth() * 13)), fontsize=9, pad=18)
    return figure_pixels(fig, canvas)
