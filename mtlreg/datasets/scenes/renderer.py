"""Ray-cast renderer turning a scene index into an image and five dense labels."""
from __future__ import annotations

import hashlib
from typing import Union

import numpy as np

from .labels import gaussian_heatmap, region_edges, visible_keypoints
from .layout import CLASSES, Scene, sample_scene

#: Bumped whenever the rendering of an index changes (invalidates caches).
RENDERER_VERSION = 1


class SceneRenderer:
    """Renders procedural rooms with objects, deterministically from an index.

    ``render(index)`` draws a scene from ``np.random.default_rng([seed, index])``
    and ray-casts it. The scene does not depend on the resolution, so the same
    index rendered at 64 and 256 pixels shows the same view.

    Args:
        resolution: Output size, an int for square images or (height, width).
        num_objects: Inclusive range of the number of objects per room.
        seed: Dataset seed; different seeds give unrelated scenes.
        fov: Horizontal field of view in degrees.
        noise_std: Standard deviation of the Gaussian pixel noise (0-255 scale).
        keypoint_sigma: Keypoint blob standard deviation in pixels; None
            scales 1.5 px at 64 px width linearly with the width.
    """

    def __init__(self, resolution: Union[int, tuple] = 64, num_objects: tuple = (3, 7), seed: int = 0,
                 fov: float = 60.0, noise_std: float = 2.0, keypoint_sigma: float = None) -> None:
        self.height, self.width = (resolution, resolution) if np.isscalar(resolution) else tuple(resolution)
        self.num_objects = tuple(num_objects)
        self.seed = int(seed)
        self.fov = float(fov)
        self.noise_std = float(noise_std)
        self.keypoint_sigma = 1.5 * self.width / 64 if keypoint_sigma is None else float(keypoint_sigma)
        f = self.width / 2 / np.tan(np.radians(self.fov) / 2)
        u = (np.arange(self.width) + 0.5 - self.width / 2) / f
        v = (np.arange(self.height) + 0.5 - self.height / 2) / f
        rays = np.stack(np.broadcast_arrays(u[None, :], v[:, None], 1.0), axis=-1)
        self._rays_cam = rays / np.linalg.norm(rays, axis=-1, keepdims=True)  # (H, W, 3)

    @property
    def classes(self) -> tuple:
        """Names of the semantic classes, indexed by class id."""
        return CLASSES

    def config(self) -> dict:
        """Returns the arguments that determine the rendered arrays (for cache keys)."""
        return dict(version=RENDERER_VERSION, resolution=(self.height, self.width), num_objects=self.num_objects,
                    seed=self.seed, fov=self.fov, noise_std=self.noise_std, keypoint_sigma=self.keypoint_sigma)

    def fingerprint(self) -> str:
        """Computes a short hash of ``config()``."""
        return hashlib.sha1(repr(sorted(self.config().items())).encode()).hexdigest()[:10]

    def scene(self, index: int) -> tuple[Scene, np.random.Generator]:
        """Samples the scene of ``index``; returns it with the generator used for the pixel noise."""
        rng = np.random.default_rng([self.seed, int(index)])
        return sample_scene(rng, self.num_objects, self.fov), rng

    def render(self, index: int) -> dict:
        """Renders the sample of ``index``.

        Returns:
            dict with 'img' (uint8 HxWx3 RGB), 'seg' (int64 HxW class ids),
            'depth' (float32 HxW z-depth in metres), 'normal' (float32 HxWx3
            unit camera-frame normals), 'edge' (float32 HxW in {0, 1}),
            'keypoint' (float32 HxW heatmap in [0, 1]) and 'camera' (dict with
            'intrinsics' 3x3, 'rotation' camera-from-world 3x3, 'position' (3,)).
        """
        scene, rng = self.scene(index)
        return self.render_scene(scene, rng)

    def _cast(self, scene: Scene, eye: np.ndarray, rot: np.ndarray, intr: np.ndarray,
              dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Computes the nearest primitive index and hit distance per pixel.

        Each object is only intersected with the rays inside the screen
        rectangle of its projected bounding box.
        """
        h, w = self.height, self.width
        dist = np.full((len(scene.parts), h, w), np.inf)
        dist[0] = scene.parts[0].shape.intersect(eye, dirs.reshape(-1, 3)).reshape(h, w)
        for k, part in enumerate(scene.parts[1:], start=1):
            lo, hi = part.shape.aabb()
            corners = np.stack(np.meshgrid(*zip(lo, hi), indexing='ij'), -1).reshape(-1, 3)
            cam = (corners - eye) @ rot.T
            if (cam[:, 2] <= 1e-3).all():
                continue
            if (cam[:, 2] <= 1e-3).any():
                r0, r1, c0, c1 = 0, h, 0, w
            else:
                uv = cam[:, :2] / cam[:, 2:] * intr[[0, 1], [0, 1]] + intr[:2, 2]
                c0, r0 = np.maximum(np.floor(uv.min(0)).astype(int), 0)
                c1, r1 = np.minimum(np.ceil(uv.max(0)).astype(int), [w, h])
                if c0 >= c1 or r0 >= r1:
                    continue
            sub = dirs[r0:r1, c0:c1]
            dist[k, r0:r1, c0:c1] = part.shape.intersect(eye, sub.reshape(-1, 3)).reshape(sub.shape[:2])
        part_map = dist.argmin(0)
        return part_map, np.take_along_axis(dist, part_map[None], 0)[0]

    def render_scene(self, scene: Scene, rng: np.random.Generator = None) -> dict:
        """Renders a scene; ``rng`` draws the pixel noise (no noise when None)."""
        h, w = self.height, self.width
        cam = scene.camera
        eye, rot, intr = cam.position, cam.rotation, cam.intrinsics(h, w)
        dirs = self._rays_cam @ rot  # world ray directions (H, W, 3)
        part_map, t = self._cast(scene, eye, rot, intr, dirs)
        points = eye + t[..., None] * dirs

        normal = np.zeros((h, w, 3))
        albedo = np.zeros((h, w, 3))
        region = np.zeros((h, w), dtype=np.int64)
        seg = np.zeros((h, w), dtype=np.int64)
        for k in np.flatnonzero(np.bincount(part_map.ravel(), minlength=len(scene.parts))):
            part = scene.parts[k]
            mask = part_map == k
            n, coords, face = part.shape.surface(points[mask])
            normal[mask] = n
            if isinstance(part.material, tuple):
                alb, parity = np.zeros_like(coords), np.zeros(len(coords), dtype=np.int64)
                for f in np.unique(face):
                    sel = face == f
                    alb[sel], parity[sel] = part.material[f].albedo(coords[sel])
                seg[mask] = np.asarray(part.label)[face]
            else:
                alb, parity = part.material.albedo(coords)
                seg[mask] = part.label
            albedo[mask] = alb
            region[mask] = (k * 8 + face) * 2 + parity

        to_light = scene.light_position - points
        light_dist = np.linalg.norm(to_light, axis=-1)
        lambert = np.maximum((normal * to_light).sum(-1) / light_dist, 0.0)
        diffuse = 1.1 * lambert / (1.0 + (light_dist / 5.0) ** 2)
        radiance = albedo * (scene.ambient + diffuse[..., None] * scene.light_color)
        img = 255.0 * np.clip(radiance, 0.0, 1.0) ** (1 / 1.3)
        if rng is not None and self.noise_std > 0:
            img = img + rng.normal(0.0, self.noise_std, size=img.shape)
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)

        depth = (t * self._rays_cam[..., 2]).astype(np.float32)
        kp_world, kp_owner = [], []
        for k, part in enumerate(scene.parts):
            if part.has_keypoints:
                pts = part.shape.keypoints(eye)
                kp_world.append(pts)
                kp_owner.append(np.full(len(pts), k))
        uv = visible_keypoints((np.concatenate(kp_world) - eye) @ rot.T, np.concatenate(kp_owner), intr,
                               part_map, depth, radius=max(1, round(w / 64)))
        return {
            'img': img,
            'seg': seg,
            'depth': depth,
            'normal': (normal @ rot.T).astype(np.float32),
            'edge': region_edges(region, depth),
            'keypoint': gaussian_heatmap(uv, (h, w), self.keypoint_sigma),
            'camera': {'intrinsics': intr, 'rotation': rot, 'position': eye.copy()},
        }
