"""The shared canvas: figure size in pixels, the drawn colours, one colour per task."""
import numpy as np

from mtlreg.visualization.canvas import figure_pixels, new_figure, task_colors


def test_a_figure_renders_to_its_size_in_rgb_pixels():
    figure, canvas = new_figure(2.0, 1.5)
    figure.patch.set_facecolor((1.0, 0.0, 0.0))
    pixels = figure_pixels(figure, canvas)
    assert pixels.shape == (150, 200, 3) and pixels.dtype == np.uint8
    assert (pixels == np.array([255, 0, 0], dtype=np.uint8)).all()


def test_task_colours_are_distinct_up_to_the_palette_and_then_repeat():
    ten = task_colors(10)
    assert len(set(ten)) == 10
    many = task_colors(25)
    assert len(set(many[:20])) == 20 and many[20] == many[0]
    assert ten[1] != many[1]  # above ten tasks the 20-colour palette is used
