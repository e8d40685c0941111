"""Ray-cast renderer turning a scene index into an image and five dense labels."""
from __future__ import annotations

import hashlib
from typing import Union

import numpy as np

from .geometry import UNIT_CORNERS
from .labels import gaussian_heatmap, region_edges, visible_keypoints
from .layout import CLASSES, Scene, sample_scene

#: Bumped whenever the rendering of an index changes (invalidates caches).
RENDERER_VERSION = 1
#: Surface ids taken by the room faces; object part k (k >= 1) has id k + ROOM_FACES - 1.
ROOM_FACES = 6


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
        # A fixed bank of sensor noise; each image reads a random window of it.
        size = self.height * self.width * 3
        self._noise = self.noise_std * np.random.default_rng(0).standard_normal(2 * size, dtype=np.float32)

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
        """Computes the nearest surface id and hit distance per pixel.

        Surface ids 0-5 are the room faces and ``k + 5`` is ``scene.parts[k]``
        (at most 250 parts). Each object is only intersected with the rays
        inside the screen rectangle of its projected bounding box.
        """
        h, w = self.height, self.width
        t, face = scene.parts[0].shape.intersect_faces(eye, dirs.reshape(-1, 3))
        t, surface_map = t.reshape(h, w), face.astype(np.uint8).reshape(h, w)
        for k, part in enumerate(scene.parts[1:], start=ROOM_FACES):
            lo, hi = part.shape.aabb()
            cam = (lo + UNIT_CORNERS * (hi - lo) - eye) @ rot.T
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
            hit = part.shape.intersect(eye, sub.reshape(-1, 3)).reshape(sub.shape[:2])
            closer = hit < t[r0:r1, c0:c1]
            np.copyto(t[r0:r1, c0:c1], hit, where=closer)
            np.copyto(surface_map[r0:r1, c0:c1], k, where=closer)
        return surface_map, t

    def render_scene(self, scene: Scene, rng: np.random.Generator = None) -> dict:
        """Renders a scene; ``rng`` draws the pixel noise (no noise when None)."""
        h, w = self.height, self.width
        cam = scene.camera
        eye, rot, intr = cam.position, cam.rotation, cam.intrinsics(h, w)
        dirs = self._rays_cam @ rot  # world ray directions (H, W, 3)
        surface_map, t = self._cast(scene, eye, rot, intr, dirs)
        depth = (t * self._rays_cam[..., 2]).astype(np.float32)

        # Shade pixels sorted by surface id, so that each surface owns one slice.
        order = np.argsort(surface_map.ravel(), kind='stable')
        bounds = np.cumsum(np.bincount(surface_map.ravel(), minlength=len(scene.parts) + ROOM_FACES - 1))
        points = eye + np.take(t, order)[:, None] * np.take(dirs.reshape(-1, 3), order, axis=0)
        normal, albedo = np.empty_like(points), np.empty_like(points)
        region, seg = np.empty(h * w, dtype=np.int64), np.empty(h * w, dtype=np.int64)
        room, start = scene.parts[0], 0
        for sid, stop in enumerate(bounds):
            if stop == start:
                continue
            span = slice(start, stop)
            if sid < ROOM_FACES:
                normal[span], coords, face = room.shape.surface(points[span], sid)
                albedo[span], parity = room.material[sid].albedo(coords)
                seg[span] = room.label[sid]
            else:
                part = scene.parts[sid - ROOM_FACES + 1]
                normal[span], coords, face = part.shape.surface(points[span])
                albedo[span], parity = part.material.albedo(coords)
                seg[span] = part.label
            region[span] = (sid * 8 + face) * 2 + parity
            start = stop

        to_light = scene.light_position - points
        light_dist = np.sqrt(np.einsum('ij,ij->i', to_light, to_light))
        lambert = np.maximum(np.einsum('ij,ij->i', normal, to_light) / light_dist, 0.0)
        diffuse = 1.1 * lambert / (1.0 + (light_dist / 5.0) ** 2)
        radiance = albedo * (scene.ambient + diffuse[:, None] * scene.light_color)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(h * w)
        img = np.take(radiance, inverse, axis=0).reshape(h, w, 3) * 255.0 + 0.5
        if rng is not None and self.noise_std > 0:
            offset = rng.integers(self._noise.size // 2)
            img += self._noise[offset:offset + img.size].reshape(img.shape)

        kp_world, kp_owner = [room.shape.keypoints(eye)], [np.zeros(8, dtype=np.int64)]
        for sid, part in enumerate(scene.parts[1:], start=ROOM_FACES):
            if part.has_keypoints:
                kp_world.append(part.shape.keypoints(eye))
                kp_owner.append(np.full(len(kp_world[-1]), sid))
        uv = visible_keypoints((np.concatenate(kp_world) - eye) @ rot.T, np.concatenate(kp_owner), intr,
                               np.where(surface_map < ROOM_FACES, 0, surface_map), depth, radius=max(1, round(w / 64)))
        return {
            'img': np.clip(img, 0, 255).astype(np.uint8),
            'seg': np.take(seg, inverse).reshape(h, w),
            'depth': depth,
            'normal': (np.take(normal, inverse, axis=0) @ rot.T).astype(np.float32).reshape(h, w, 3),
            'edge': region_edges(np.take(region, inverse).reshape(h, w), depth),
            'keypoint': gaussian_heatmap(uv, (h, w), self.keypoint_sigma),
            'camera': {'intrinsics': intr, 'rotation': rot, 'position': eye.copy()},
        }
