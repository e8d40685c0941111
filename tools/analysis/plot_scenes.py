"""Plot a grid of procedural scenes samples: RGB and the five dense labels per row."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numpy as np

from mtlreg.utils.atomic_io import atomic_path
from mtlreg.utils.cli import run_tool

if TYPE_CHECKING:
    from mtlreg.datasets.scenes import SceneRenderer

COLUMNS = ('RGB', 'semantic', 'depth', 'normal', 'edge', 'keypoint')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--resolution', type=int, default=128, help='image size in pixels')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--indices', type=int, nargs='+', default=[0, 1, 2, 3], help='scene indices to plot')
    parser.add_argument('--out', default='docs/images/scenes_samples.png', help='output PNG path')
    return parser.parse_args(argv)


def label_panels(sample: dict) -> list:
    """Computes the displayable image of each column for one sample."""
    from mtlreg.datasets.scenes import PALETTE
    palette = np.array(PALETTE, dtype=np.uint8)
    overlay = sample['img'].astype(float) / 255 * 0.45
    overlay[..., 0] = np.maximum(overlay[..., 0], sample['keypoint'])
    overlay[..., 1] = np.maximum(overlay[..., 1], sample['keypoint'] * 0.9)
    return [sample['img'], palette[sample['seg']], sample['depth'], (sample['normal'] + 1) / 2,
            sample['edge'], np.clip(overlay, 0, 1)]


def plot_samples(renderer: SceneRenderer, indices: list, out: str) -> None:
    """Renders ``indices`` and saves the grid figure to ``out``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from mtlreg.datasets.scenes import CLASSES, PALETTE
    fig, axes = plt.subplots(len(indices), len(COLUMNS), figsize=(2.2 * len(COLUMNS), 2.2 * len(indices) + 0.6),
                             squeeze=False)
    for row, index in enumerate(indices):
        sample = renderer.render(index)
        for col, panel in enumerate(label_panels(sample)):
            ax = axes[row, col]
            if COLUMNS[col] == 'depth':
                ax.imshow(panel, cmap='magma_r', vmin=0)
            else:
                ax.imshow(panel, cmap='gray' if panel.ndim == 2 else None, vmin=0, vmax=1 if panel.ndim == 2 else None,
                          interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(COLUMNS[col])
        axes[row, 0].set_ylabel(f'index {index}')
    handles = [Patch(color=np.array(c) / 255, label=name) for name, c in zip(CLASSES, PALETTE)]
    fig.legend(handles=handles, loc='lower center', ncol=len(CLASSES), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    with atomic_path(out) as partial:
        fig.savefig(partial, dpi=100, format='png')
    plt.close(fig)


def main():
    args = parse_args()  # --help and argument errors return before the heavy imports below
    from mtlreg.datasets.scenes import SceneRenderer
    plot_samples(SceneRenderer(args.resolution, seed=args.seed), args.indices, args.out)
    print(f'saved {args.out}')


if __name__ == '__main__':
    run_tool(main)
