"""Procedural solid textures evaluated at surface coordinates."""
from __future__ import annotations

import bisect
import colorsys
import itertools
from dataclasses import dataclass
from typing import Optional

import numpy as np

PLAIN, CHECKER, STRIPES, NOISE = range(4)
TEXTURE_NAMES = ('plain', 'checker', 'stripes', 'noise')
#: Angular frequencies (radians per period) of the three noise octaves.
_WAVE_FREQS = 2 * np.pi * np.array([[0.5], [1.1], [2.3]])


@dataclass
class Material:
    """A two-colour procedural texture.

    Attributes:
        color: Base RGB albedo in [0, 1], shape (3,).
        color2: Second RGB albedo mixed in by the pattern, shape (3,).
        kind: One of ``PLAIN``, ``CHECKER``, ``STRIPES``, ``NOISE``.
        scale: Pattern period in metres.
        direction: Unit stripe direction, shape (3,); None unless ``STRIPES``.
        phase: Pattern offset in periods, shape (3,); kept away from integers
            so that cell boundaries never fall on a flat face.
        waves: Noise wave vectors in radians per metre, shape (K, 3); None unless ``NOISE``.
        wave_phase: Noise wave phases in radians, shape (K,).
    """

    color: np.ndarray
    color2: np.ndarray
    kind: int
    scale: float
    direction: Optional[np.ndarray]
    phase: np.ndarray
    waves: Optional[np.ndarray]
    wave_phase: np.ndarray

    def albedo(self, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Computes the albedo (M, 3) and the pattern cell parity (M,) at texture coordinates (M, 3).

        The parity is 0/1 for checker and stripes (its changes are texture
        edges) and 0 for plain and noise textures.
        """
        n = len(coords)
        if self.kind == PLAIN:
            return np.broadcast_to(self.color, (n, 3)), np.zeros(n, dtype=np.int64)
        if self.kind == NOISE:
            value = np.sin(coords @ self.waves.T + self.wave_phase) @ (1.0 / 2 ** np.arange(len(self.waves)))
            mix = 0.5 + 0.5 * value / (2 - 2 ** (1 - len(self.waves)))
            return self.color + mix[:, None] * (self.color2 - self.color), np.zeros(n, dtype=np.int64)
        if self.kind == CHECKER:
            cells = np.floor(coords / self.scale + self.phase).astype(np.int64).sum(1)
        else:
            cells = np.floor(coords @ self.direction / self.scale + self.phase[0]).astype(np.int64)
        parity = cells & 1
        return np.where(parity[:, None] == 1, self.color2, self.color), parity


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """Converts one HSV colour to an RGB array."""
    return np.array(colorsys.hsv_to_rgb(h, s, v))


def random_material(rng: np.random.Generator, kind_probs=(0.3, 0.25, 0.25, 0.2),
                    scale=(0.15, 0.6), saturation=(0.15, 0.8), value=(0.35, 0.95)) -> Material:
    """Samples a material: texture kind, colours, period, direction and phases.

    Args:
        rng: Random generator.
        kind_probs: Probabilities of plain, checker, stripes and noise.
        scale: Range of the pattern period in metres.
        saturation: Range of the base colour saturation.
        value: Range of the base colour value (brightness).

    Returns:
        The sampled material.
    """
    u = rng.random(15).tolist()
    g = rng.standard_normal(12)
    kind = min(bisect.bisect_right(list(itertools.accumulate(kind_probs)), u[0]), 3)
    lerp = lambda bounds, x: bounds[0] + x * (bounds[1] - bounds[0])  # noqa: E731
    h, s, v = u[1], lerp(saturation, u[2]), lerp(value, u[3])
    if u[4] < 0.5:  # same hue, different brightness
        shift = 0.25 + 0.2 * u[5]
        color2 = _hsv(h, s, min(max(v - shift if v > 0.6 else v + shift, 0.1), 1.0))
    else:
        color2 = _hsv(u[5], lerp(saturation, u[6]), lerp(value, u[7]))
    period = lerp(scale, u[8])
    direction = waves = None  # only stripes and noise need them
    if kind == STRIPES:
        direction = g[:3] / np.sqrt(g[:3] @ g[:3])
    elif kind == NOISE:
        waves = g[3:].reshape(3, 3)
        waves *= _WAVE_FREQS / period / np.sqrt(np.einsum('ij,ij->i', waves, waves))[:, None]
    return Material(color=_hsv(h, s, v), color2=color2, kind=kind, scale=period, direction=direction,
                    phase=0.2 + 0.6 * np.array(u[9:12]), waves=waves, wave_phase=2 * np.pi * np.array(u[12:15]))
