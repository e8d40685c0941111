"""Pictures of a sharing policy: a task × unit heatmap."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from mtlreg.utils.atomic_io import atomic_path


def policy_heatmap(probabilities: np.ndarray, task_names: Sequence[str], unit_names: Sequence[str] | None = None,
                   title: str = '') -> np.ndarray:
    """Draw ``probabilities`` ``[tasks, units]`` (values in [0, 1]) as an RGB ``uint8`` image.

    Rows are tasks, columns units (a grid of several dimensions is flattened);
    every cell shows its value. Used for TensorBoard and the PNG in the work dir.
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    probs = np.asarray(probabilities, dtype=np.float64).reshape(len(task_names), -1)
    num_units = probs.shape[1]
    fig = Figure(figsize=(1.2 + 0.45 * num_units, 0.9 + 0.45 * len(task_names)), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(probs, cmap='viridis', vmin=0.0, vmax=1.0, aspect='auto')
    ax.set_yticks(range(len(task_names)), labels=list(task_names))
    ticks = list(unit_names) if unit_names is not None and len(unit_names) == num_units else range(num_units)
    ax.set_xticks(range(num_units), labels=[str(t) for t in ticks], rotation=90 if unit_names else 0, fontsize=7)
    for (row, col), value in np.ndenumerate(probs):
        ax.text(col, row, f'{value:.2f}', ha='center', va='center', fontsize=6,
                color='black' if value > 0.5 else 'white')
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    return image


def save_png(path: str, image: np.ndarray) -> None:
    """Save an RGB ``uint8`` image as PNG, atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.image as mpimg
    with atomic_path(path) as partial:
        mpimg.imsave(partial, image, format='png')
