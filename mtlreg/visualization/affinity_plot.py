"""Picture of an inter-task affinity matrix: Z_{i→j}, a row per source task i, a column per target task j."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtlreg.visualization.canvas import figure_pixels, new_figure


def affinity_image(tasks: Sequence[str], affinity: np.ndarray, title: str = '') -> np.ndarray:
    """RGB ``uint8`` image of ``affinity[i, j] = Z_{i→j}``: red where i's step lowers j's loss, blue where it
    raises it; the colour scale is set by the affinities between different tasks."""
    values = np.asarray(affinity, dtype=float)
    # the colours span the affinities between tasks; a task's affinity onto itself (larger) saturates
    off_diagonal = values[~np.eye(len(values), dtype=bool)] if len(values) > 1 else values.ravel()
    limit = float(np.nanmax(np.abs(off_diagonal))) or float(np.nanmax(np.abs(values))) or 1.0
    fig, canvas = new_figure(2.4 + 0.8 * len(tasks), 1.8 + 0.6 * len(tasks))
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(values, cmap='RdBu_r', vmin=-limit, vmax=limit)
    ax.set_xticks(range(len(tasks)), labels=list(tasks), rotation=30, ha='right')
    ax.set_yticks(range(len(tasks)), labels=list(tasks))
    ax.set_xlabel('onto task j (its loss after the step)')
    ax.set_ylabel('lookahead on task i')
    for (row, col), value in np.ndenumerate(values):
        ax.text(col, row, f'{value:.3g}', ha='center', va='center', fontsize=7,
                color='white' if abs(value) > 0.6 * limit else 'black')
    fig.colorbar(image, ax=ax, label='Z(i→j) = 1 − L_j(after) / L_j(before)')
    if title:
        ax.set_title(title, fontsize=9)
    return figure_pixels(fig, canvas)
