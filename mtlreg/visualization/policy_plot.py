"""Pictures of a sharing policy: a task × unit heatmap."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from mtlreg.utils.atomic_io import atomic_path
from mtlreg.visualization.canvas import figure_pixels, new_figure


#: a decision is flagged as uncertain when its probability lies this close to 0.5
UNCERTAIN_MARGIN = 0.1


def policy_heatmap(probabilities: np.ndarray, task_names: Sequence[str], unit_names: Sequence[str] | None = None,
                   title: str = '', decision: np.ndarray | None = None, value_label: str = 'probability',
                   flag_uncertain: bool = True) -> np.ndarray:
    """Draw ``probabilities`` ``[tasks, units]`` (values in [0, 1]) as an RGB ``uint8`` image.

    Rows are tasks, columns units (a grid of several dimensions is flattened); every cell shows its
    value, a colour bar says what the colours mean (``value_label``). ``decision`` (a boolean
    ``[tasks, units]`` mask, e.g. the discretised policy) is outlined on the same picture; with
    ``flag_uncertain`` a cell whose value lies within :data:`UNCERTAIN_MARGIN` of 0.5 — a decision
    close to a coin flip — is marked ``?`` and counted in the legend. Used for TensorBoard and the
    PNGs in the work dir.
    """
    from matplotlib.patches import Patch, Rectangle

    probs = np.asarray(probabilities, dtype=np.float64).reshape(len(task_names), -1)
    num_units = probs.shape[1]
    fig, canvas = new_figure(2.6 + 0.5 * num_units, 1.6 + 0.45 * len(task_names))
    ax = fig.add_subplot(1, 1, 1)
    shown = ax.imshow(probs, cmap='viridis', vmin=0.0, vmax=1.0, aspect='auto')
    bar = fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(value_label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_yticks(range(len(task_names)), labels=list(task_names), fontsize=8)
    ticks = list(unit_names) if unit_names is not None and len(unit_names) == num_units else range(num_units)
    ax.set_xticks(range(num_units), labels=[str(t) for t in ticks], rotation=90 if unit_names else 0, fontsize=7)
    uncertain = np.abs(probs - 0.5) < UNCERTAIN_MARGIN if flag_uncertain else np.zeros_like(probs, dtype=bool)
    for (row, col), value in np.ndenumerate(probs):
        text = f'{value:.2f}' + ('?' if uncertain[row, col] else '')
        ax.text(col, row, text, ha='center', va='center', fontsize=6, color='black' if value > 0.5 else 'white')
    handles = []
    if decision is not None:
        decision = np.asarray(decision, dtype=bool).reshape(probs.shape)
        for (row, col), on in np.ndenumerate(decision):
            if on:
                ax.add_patch(Rectangle((col - 0.46, row - 0.46), 0.92, 0.92, fill=False, edgecolor='red', lw=1.6))
        handles.append(Patch(facecolor='none', edgecolor='red', lw=1.6, label='decided: on (outlined)'))
    if flag_uncertain and uncertain.any():
        handles.append(Patch(facecolor='none', edgecolor='none',
                             label=f'? = within {UNCERTAIN_MARGIN:g} of 0.5 ({int(uncertain.sum())} cells)'))
    if handles:
        ax.legend(handles=handles, loc='upper center', bbox_to_anchor=(0.5, -0.18 if unit_names else -0.08),
                  ncol=len(handles), fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    return figure_pixels(fig, canvas)


def decision_heatmap(probabilities, mask, task_names: Sequence[str], unit_names: Sequence[str] | None,
                     title: str) -> np.ndarray:
    """The search's probabilities with the discrete ``mask`` outlined; a sparse grid shows only its units.

    ``unit_names`` of a sparse grid (a DAG's adjacency) name the empty entries ``''``; those columns
    are left out.
    """
    probs = np.asarray(probabilities, dtype=np.float64).reshape(len(task_names), -1)
    mask = np.asarray(mask, dtype=bool).reshape(len(task_names), -1)
    names = list(unit_names) if unit_names is not None else None
    if names and not all(names):
        shown = [j for j, name in enumerate(names) if name]
        probs, mask, names = probs[:, shown], mask[:, shown], [names[j] for j in shown]
    return policy_heatmap(probs, task_names, names, title=title, decision=mask,
                          value_label='probability of running the unit')


def save_png(path: str, image: np.ndarray) -> None:
    """Save an RGB ``uint8`` image as PNG, atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.image as mpimg
    with atomic_path(path) as partial:
        mpimg.imsave(partial, image, format='png')
