"""Access to pyEdgeEval, the BSDS boundary benchmark in Python (matching, thinning, ODS/OIS)."""
from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace

import numpy as np

_MODULE: SimpleNamespace | None = None


def pyedgeeval() -> SimpleNamespace:
    """The pyEdgeEval functions mtlreg uses, imported once.

    Importing pyEdgeEval prints a warning about optional ``.mat`` readers that
    mtlreg does not use; it is muted.

    Returns:
        A namespace with ``evaluate_boundaries_threshold``,
        ``compute_rec_prec_f1``, ``interpolated_max_scores``,
        ``check_thresholds`` and ``binary_thin``.

    Raises:
        ImportError: Naming the package and its pinned version when it is not installed.
    """
    global _MODULE
    if _MODULE is None:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                from pyEdgeEval.common.binary_label.evaluate_boundaries import evaluate_boundaries_threshold
                from pyEdgeEval.common.metrics import compute_rec_prec_f1, interpolated_max_scores
                from pyEdgeEval.common.utils import check_thresholds
                from pyEdgeEval.preprocess import binary_thin
        except ImportError as err:  # pinned in requirements/runtime.txt; a hand-made environment may lack it
            raise ImportError('boundary maps need the pyEdgeEval package (pip install pyedgeeval==0.2.8, as pinned '
                              f'in requirements/runtime.txt): {err}') from err
        _MODULE = SimpleNamespace(evaluate_boundaries_threshold=evaluate_boundaries_threshold,
                                  compute_rec_prec_f1=compute_rec_prec_f1,
                                  interpolated_max_scores=interpolated_max_scores,
                                  check_thresholds=check_thresholds, binary_thin=binary_thin)
    return _MODULE


def thin(mask: np.ndarray) -> np.ndarray:
    """Thins a binary map to one-pixel lines (MATLAB's ``bwmorph(x, 'thin', inf)``, as pyEdgeEval ports it)."""
    return np.asarray(pyedgeeval().binary_thin(np.asarray(mask, dtype=bool)), dtype=bool)
