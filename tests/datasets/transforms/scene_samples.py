"""A sample with a curved depth map and the normals it implies, for the transform tests."""
import numpy as np


def normals_from_depth(depth: np.ndarray) -> np.ndarray:
    """Computes camera-facing unit normals of a depth map (orthographic model).

    Surface points are P(u, v) = (u, v, z(u, v)) with u the column (x, right)
    and v the row (y, down). The tangents (1, 0, z_u) and (0, 1, z_v) give the
    normal (-z_u, -z_v, 1); the one facing the camera (z < 0) is
    (z_u, z_v, -1): a surface whose depth grows to the right faces right.
    """
    z_v, z_u = np.gradient(depth.astype(np.float64))
    n = np.stack([z_u, z_v, -np.ones_like(z_u)], axis=-1)
    return (n / np.linalg.norm(n, axis=-1, keepdims=True)).astype(np.float32)


def make_scene(h: int = 6, w: int = 8) -> dict:
    """Builds a sample with a curved, asymmetric depth map and matching normals."""
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    depth = (2.0 + 0.3 * u + 0.1 * v + 0.02 * u * v + 0.01 * u ** 2).astype(np.float32)
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (u * 30).astype(np.uint8)
    img[..., 1] = (v * 40).astype(np.uint8)
    seg = ((u + 2 * v) % 4).astype(np.int64)
    return {
        'img': img, 'depth': depth, 'normal': normals_from_depth(depth), 'seg': seg, 'cls': 3,
        'label_types': {'depth': 'depth', 'normal': 'normal', 'seg': 'segmentation', 'cls': 'class'},
        'sample_idx': 0,
    }
