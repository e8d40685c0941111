"""A picture of a compact model's sharing tree: which tasks run which unit on which input."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def sharing_tree_image(nodes: Sequence[dict], task_names: Sequence[str], title: str = '') -> np.ndarray:
    """Draw the nodes of a compact backbone (``compact_report(...)['sharing']``) as an RGB ``uint8`` image.

    The stem is on the left; each node is a box at its depth, labelled with its
    unit, joined to its parent; a node's row is that of the first task through
    it, and its colour stripes show every task that shares it.
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    cmap = matplotlib.colormaps['tab10' if len(task_names) <= 10 else 'tab20']
    colors = {t: cmap(i % cmap.N) for i, t in enumerate(task_names)}
    depth, row = {}, {}
    for node in nodes:
        parent = node['parent']
        depth[node['node']] = 1 + (depth[parent] if parent >= 0 else 0)
        row[node['node']] = task_names.index(node['tasks'][0]) if node['tasks'] else 0
    width = max(depth.values(), default=1) + 1
    fig = Figure(figsize=(1.5 + 1.1 * width, 1.0 + 0.6 * len(task_names)), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.add_patch(Rectangle((-0.4, -0.3), 0.8, len(task_names) - 0.4, facecolor='lightgray', edgecolor='black'))
    ax.text(0, (len(task_names) - 1) / 2, 'stem', ha='center', va='center', fontsize=7, rotation=90)
    for node in nodes:
        n, x, y = node['node'], depth[node['node']], row[node['node']]
        parent = node['parent']
        px, py = (depth[parent], row[parent]) if parent >= 0 else (0, y)
        ax.plot([px + 0.4, x - 0.4], [py, y], color='gray', lw=0.8, zorder=1)
        users = node['tasks'] or ['']
        for i, t in enumerate(users):
            ax.add_patch(Rectangle((x - 0.4 + 0.8 * i / len(users), y - 0.3), 0.8 / len(users), 0.6,
                                   facecolor=colors.get(t, 'white'), lw=0, zorder=2))
        ax.add_patch(Rectangle((x - 0.4, y - 0.3), 0.8, 0.6, fill=False, edgecolor='black', lw=0.6, zorder=3))
        ax.text(x, y, node['unit'] or 'id', ha='center', va='center', fontsize=6, zorder=4)
    ax.set_xlim(-0.6, width + 0.2)
    ax.set_ylim(len(task_names) - 0.4, -0.6)
    ax.axis('off')
    ax.legend(handles=[Patch(color=colors[t], label=t) for t in task_names], loc='upper left',
              bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
