"""Edge and keypoint labels derived from the rendered buffers."""
from __future__ import annotations

import numpy as np


def region_edges(region: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Computes a binary edge map where the region id changes between 4-neighbours.

    Regions are (primitive, face, texture cell) triples, so the map holds
    occlusion contours, creases between faces and texture edges. Each
    boundary is drawn one pixel wide, on its nearer side (the occluder).

    Args:
        region: Integer region ids, shape (H, W).
        depth: Depth, shape (H, W).

    Returns:
        float32 (H, W) map with values in {0, 1}.
    """
    edge = np.zeros(region.shape, dtype=bool)
    for axis in (0, 1):
        a = [slice(None)] * 2
        b = [slice(None)] * 2
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        a, b = tuple(a), tuple(b)
        change = region[a] != region[b]
        first_nearer = depth[a] <= depth[b]
        edge[a] |= change & first_nearer
        edge[b] |= change & ~first_nearer
    return edge.astype(np.float32)


def visible_keypoints(points_cam: np.ndarray, owners: np.ndarray, intrinsics: np.ndarray,
                      part_map: np.ndarray, depth: np.ndarray, radius: int = 1) -> np.ndarray:
    """Computes the image positions (K', 2) of the keypoints that are in view and not occluded.

    A keypoint counts as visible when some pixel within ``radius`` of its
    projection shows its own primitive at a depth close to its own, which
    rejects points hidden by other objects and by the primitive itself.

    Args:
        points_cam: Keypoints in camera coordinates, shape (K, 3).
        owners: Index of the primitive each keypoint belongs to, shape (K,).
        intrinsics: 3x3 camera matrix.
        part_map: Primitive index per pixel, shape (H, W).
        depth: z-depth per pixel, shape (H, W).
        radius: Half size of the pixel window searched around a projection.

    Returns:
        Visible keypoints as continuous (u, v) pixel coordinates.
    """
    h, w = depth.shape
    z = points_cam[:, 2]
    front = z > 1e-3
    points_cam, owners, z = points_cam[front], owners[front], z[front]
    uv = points_cam[:, :2] / z[:, None] * intrinsics[[0, 1], [0, 1]] + intrinsics[:2, 2]
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
    uv, owners, z = uv[inside], owners[inside], z[inside]
    if len(uv) == 0:
        return uv
    offsets = np.arange(-radius, radius + 1)
    cols = np.clip(uv[:, 0].astype(int)[:, None, None] + offsets[None, None, :], 0, w - 1)
    rows = np.clip(uv[:, 1].astype(int)[:, None, None] + offsets[None, :, None], 0, h - 1)
    same = part_map[rows, cols] == owners[:, None, None]
    close = np.abs(depth[rows, cols] - z[:, None, None]) <= 0.03 + 0.05 * z[:, None, None]
    return uv[(same & close).any(axis=(1, 2))]


def gaussian_heatmap(uv: np.ndarray, shape: tuple, sigma: float) -> np.ndarray:
    """Computes the pixelwise maximum of isotropic Gaussian blobs centred at ``uv``.

    Args:
        uv: Continuous (u, v) pixel coordinates, shape (K, 2).
        shape: Output (H, W).
        sigma: Blob standard deviation in pixels.

    Returns:
        float32 (H, W) heatmap in [0, 1].
    """
    h, w = shape
    if len(uv) == 0:
        return np.zeros(shape, dtype=np.float32)
    gx = np.exp(-((np.arange(w) + 0.5)[None] - uv[:, :1]) ** 2 / (2 * sigma ** 2)).astype(np.float32)
    gy = np.exp(-((np.arange(h) + 0.5)[None] - uv[:, 1:]) ** 2 / (2 * sigma ** 2)).astype(np.float32)
    return (gy[:, :, None] * gx[:, None, :]).max(0)
