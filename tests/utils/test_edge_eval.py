"""pyEdgeEval behind one import: its functions, imported once and quietly; thinning to one-pixel lines."""
import numpy as np

from mtlreg.utils.edge_eval import pyedgeeval, thin


def test_the_package_is_imported_once_without_printing(capsys):
    first = pyedgeeval()
    assert pyedgeeval() is first
    assert callable(first.evaluate_boundaries_threshold) and callable(first.binary_thin)
    assert capsys.readouterr().out == ''


def test_a_thick_band_thins_to_a_line_inside_it():
    band = np.zeros((7, 9), bool)
    band[2:5, 1:8] = True
    line = thin(band)
    assert line.dtype == bool and line.any()
    assert not (line & ~band).any()             # nothing outside the band
    assert line.sum(axis=0).max() == 1          # one pixel thick
    assert thin(np.zeros((3, 3))).sum() == 0
