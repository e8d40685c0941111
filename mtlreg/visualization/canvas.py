"""The off-screen canvas every figure of the project is drawn on: a matplotlib ``Figure`` on the Agg
backend (no display needed), rendered to an RGB ``uint8`` array that TensorBoard and PNG files take."""
from __future__ import annotations

import numpy as np


def new_figure(width: float, height: float):
    """A ``(figure, canvas)`` pair of ``width × height`` inches at 100 dpi on the Agg backend."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=100)
    return figure, FigureCanvasAgg(figure)


def figure_pixels(figure, canvas) -> np.ndarray:
    """Lay the figure out tightly, draw it and return its pixels as an ``H × W × 3`` ``uint8`` array."""
    figure.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def task_colors(count: int) -> list:
    """``count`` distinct RGBA colours, one per task: matplotlib's tab10, or tab20 above ten tasks."""
    import matplotlib
    cmap = matplotlib.colormaps['tab10' if count <= 10 else 'tab20']
    return [cmap(i % cmap.N) for i in range(count)]
