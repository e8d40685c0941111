"""The affinity picture: an RGB image with red cells where a task's step helps another, blue where it hurts."""
import numpy as np

from mtlreg.visualization.affinity_plot import affinity_image


def test_colours_follow_the_sign():
    image = affinity_image(['a', 'b'], np.array([[0.0, 0.02], [-0.02, 0.0]]), title='t')
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    pixels = image.reshape(-1, 3).astype(int)
    red = ((pixels[:, 0] > 150) & (pixels[:, 2] < 90)).sum()
    blue = ((pixels[:, 2] > 150) & (pixels[:, 0] < 90)).sum()
    assert red > 200 and blue > 200  # a full-strength cell of each sign
    flat = affinity_image(['a', 'b'], np.zeros((2, 2)))  # all zero: no division by a zero range
    assert flat.shape[2] == 3
