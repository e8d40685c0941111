"""Picture of a task grouping: tasks × chosen networks."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mtlreg.visualization.canvas import figure_pixels, new_figure


def grouping_image(tasks: Sequence[str], networks: Sequence[Sequence[str]], assignment: Mapping[str, Sequence[str]],
                   costs: Sequence[float] | None = None, title: str = '') -> np.ndarray:
    """RGB ``uint8`` image: a row per task, a column per chosen network.

    A dark cell marks the network that serves the task, a light one a network
    that holds the task but is not used for it (another chosen network serves
    it better), an empty one a network without the task.
    """
    grid = np.zeros((len(tasks), len(networks)))
    for col, network in enumerate(networks):
        for row, task in enumerate(tasks):
            if task in network:
                grid[row, col] = 2.0 if tuple(assignment.get(task, ())) == tuple(network) else 1.0
    fig, canvas = new_figure(2.0 + 1.1 * len(networks), 1.6 + 0.45 * len(tasks))
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(grid, cmap='Blues', vmin=0.0, vmax=2.0, aspect='auto')
    labels = ['+\n'.join(network) + (f'\ncost {costs[i]:.2f}' if costs is not None else '')
              for i, network in enumerate(networks)]
    ax.set_xticks(range(len(networks)), labels=labels, fontsize=7)
    ax.set_yticks(range(len(tasks)), labels=list(tasks))
    for (row, col), value in np.ndenumerate(grid):
        if value:
            ax.text(col, row, 'serves' if value == 2 else 'holds', ha='center', va='center', fontsize=6,
                    color='white' if value == 2 else 'black')
    if title:
        ax.set_title(title, fontsize=9)
    return figure_pixels(fig, canvas)
