"""Pictures of DAG sub-networks: one task's graph, and the shared adjacency coloured by task (Choi & Im, Fig. 3)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from mtlreg.structures.dag_grid import DAGGrid
from mtlreg.visualization.canvas import figure_pixels, new_figure, task_colors


def _node_label(grid: DAGGrid, node: int) -> str:
    if node == grid.input_node:
        return 'in'
    return 'out' if node == grid.output_node else str(node)


def task_graph_image(mask: np.ndarray, title: str = '', color=None) -> np.ndarray:
    """One task's sub-graph from its binary ``(N+2) × (N+2)`` Ψ as an RGB ``uint8`` image.

    Nodes v0 (input), v1..vN and the read-out L sit on a line in topological
    order; every kept link is an arc from left to right (read-ins above the
    line, edges and read-outs below), so skip lengths and early exits show.
    """
    from matplotlib.patches import FancyArrowPatch

    mask = np.asarray(mask, dtype=bool)
    grid = DAGGrid.of(mask)
    size = grid.size
    fig, canvas = new_figure(1.0 + 0.6 * size, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    color = color or 'tab:blue'
    used = set(np.nonzero(mask)[0].tolist()) | set(np.nonzero(mask)[1].tolist())
    for node in range(size):
        label = _node_label(grid, node)
        face = color if node in used else 'white'
        ax.scatter([node], [0], s=260, c=[face], edgecolors='black', zorder=3)
        ax.text(node, 0, label, ha='center', va='center', fontsize=7, zorder=4,
                color='white' if node in used else 'gray')
    for i, j in zip(*np.nonzero(mask)):
        above = i == grid.input_node  # read-ins above the line
        rad = (-0.35 if above else 0.35) * min(1.0, 0.25 + 0.12 * (j - i))
        ax.add_patch(FancyArrowPatch((i, 0), (j, 0), connectionstyle=f'arc3,rad={rad}', arrowstyle='-|>',
                                     mutation_scale=8, lw=1.2, color=color, shrinkA=8, shrinkB=8, zorder=2))
    ax.set_xlim(-0.7, size - 0.3)
    ax.set_ylim(-0.35 * size / 2 - 0.5, 0.35 * size / 2 + 0.5)
    ax.axis('off')
    if title:
        ax.set_title(title, fontsize=9)
    return figure_pixels(fig, canvas)


def shared_adjacency_image(masks: np.ndarray, task_names: Sequence[str], title: str = '') -> np.ndarray:
    """Every task's binary Ψ in one adjacency matrix; a cell is split into one coloured stripe per task using it."""
    from matplotlib.patches import Patch, Rectangle

    masks = np.asarray(masks, dtype=bool)
    grid = DAGGrid.of(masks)
    k, size = masks.shape[0], grid.size
    colors = task_colors(k)
    fig, canvas = new_figure(2.5 + 0.35 * size, 1.0 + 0.35 * size)
    ax = fig.add_subplot(1, 1, 1)
    for i in range(size):
        for j in range(size):
            users = [t for t in range(k) if masks[t, i, j]]
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor='white', edgecolor='lightgray', lw=0.5))
            for n, t in enumerate(users):
                ax.add_patch(Rectangle((j + n / len(users), i), 1 / len(users), 1, facecolor=colors[t], lw=0))
    labels = [_node_label(grid, node) for node in range(size)]
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)
    ax.set_xticks(np.arange(size) + 0.5, labels=labels, fontsize=7)
    ax.set_yticks(np.arange(size) + 0.5, labels=labels, fontsize=7)
    ax.set_xlabel('to state', fontsize=8)
    ax.set_ylabel('from state', fontsize=8)
    ax.set_aspect('equal')
    ax.legend(handles=[Patch(color=colors[t], label=name) for t, name in enumerate(task_names)],
              loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    return figure_pixels(fig, canvas)
