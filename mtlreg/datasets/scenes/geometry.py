"""Primitives of a scene and their vectorised ray intersections.

World frame: metres, ``y`` up, right-handed. Every primitive answers three
questions for many rays at once:

* ``intersect(origin, dirs)``: distance along each unit ray to the first
  front-facing hit, ``inf`` on a miss;
* ``surface(points)``: unit normal (pointing towards the viewer), texture
  coordinates in the primitive's own frame (planar faces have their normal
  coordinate zeroed so that flat textures stay flat) and a face id;
* ``keypoints(eye)``: corners or silhouette extreme points in world space.

The camera is always outside every object and inside the room.
"""
from __future__ import annotations

import numpy as np

EPS = 1e-6
_SIGNS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
#: The 8 corners of the unit cube, in the order of ``_SIGNS``.
UNIT_CORNERS = (_SIGNS + 1) / 2


def _min3(a: np.ndarray) -> np.ndarray:
    """Computes the minimum over the last axis of length 3 (faster than a reduction)."""
    return np.minimum(np.minimum(a[:, 0], a[:, 1]), a[:, 2])


def _max3(a: np.ndarray) -> np.ndarray:
    """Computes the maximum over the last axis of length 3."""
    return np.maximum(np.maximum(a[:, 0], a[:, 1]), a[:, 2])


def _argmax3(a: np.ndarray) -> np.ndarray:
    """Computes the argmax over the last axis of length 3 (first index on ties)."""
    first = (a[:, 0] >= a[:, 1]) & (a[:, 0] >= a[:, 2])
    return np.where(first, 0, np.where(a[:, 1] >= a[:, 2], 1, 2))


def _horizontal_side(v: np.ndarray) -> np.ndarray:
    """Computes ``cross(v, up)``: the horizontal vector to the right of ``v``."""
    return np.array([-v[2], 0.0, v[0]])


def yaw_matrix(yaw: float) -> np.ndarray:
    """Computes the rotation about ``y`` whose columns are the local axes in world coordinates."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _tangent_points(eye: np.ndarray, center: np.ndarray, radius: float, side: np.ndarray) -> np.ndarray:
    """Computes the two points where rays from ``eye`` graze a circle of ``radius`` around ``center``.

    The circle lies in the plane spanned by the view direction and ``side``.
    """
    to_c = center - eye
    dist = np.linalg.norm(to_c)
    if dist <= radius:
        return np.zeros((0, 3))
    u = to_c / dist
    w = side - u * (side @ u)
    w /= np.linalg.norm(w)
    along, across = -radius * radius / dist, radius * np.sqrt(1.0 - (radius / dist) ** 2)
    return np.stack([center + along * u + across * w, center + along * u - across * w])


class Box:
    """A box with a yaw rotation about the vertical axis.

    Args:
        center: Centre in world coordinates, shape (3,).
        size: Full extents along the local axes, shape (3,).
        yaw: Rotation about ``y`` in radians.
        keypoint_ids: Indices of the 8 corners (ordered by sign pattern of
            x, y, z, slowest first) that count as keypoints; None keeps all.
    """

    def __init__(self, center, size, yaw: float = 0.0, keypoint_ids=None) -> None:
        self.center = np.asarray(center, dtype=float)
        self.half = np.asarray(size, dtype=float) / 2
        self.rot = yaw_matrix(yaw)
        self.keypoint_ids = keypoint_ids

    def corners(self) -> np.ndarray:
        """Computes the 8 corners in world coordinates, shape (8, 3)."""
        return self.center + (_SIGNS * self.half) @ self.rot.T

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Computes the world axis-aligned bounding box (lo, hi)."""
        c = self.corners()
        return c.min(0), c.max(0)

    def intersect(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Computes the hit distance of each ray (slab method), ``inf`` on a miss."""
        o = (origin - self.center) @ self.rot
        d = dirs @ self.rot
        with np.errstate(divide='ignore', invalid='ignore'):
            inv = 1.0 / d
            t1 = (-self.half - o) * inv
            t2 = (self.half - o) * inv
        near = _max3(np.minimum(t1, t2))
        far = _min3(np.maximum(t1, t2))
        return np.where((near <= far) & (near > EPS), near, np.inf)

    def surface(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Computes outward normals, face-plane coordinates and face ids (0..5) at surface points."""
        local = (points - self.center) @ self.rot
        axis = _argmax3(np.abs(local) / self.half)
        rows = np.arange(len(points))
        sign = np.sign(local[rows, axis])
        normal = np.zeros_like(local)
        normal[rows, axis] = sign
        local[rows, axis] = 0.0
        return normal @ self.rot.T, local, 2 * axis + (sign > 0)

    def keypoints(self, eye: np.ndarray) -> np.ndarray:
        """Computes the corner keypoints in world coordinates."""
        corners = self.corners()
        return corners if self.keypoint_ids is None else corners[self.keypoint_ids]


class Sphere:
    """A sphere.

    Args:
        center: Centre in world coordinates, shape (3,).
        radius: Radius in metres.
    """

    def __init__(self, center, radius: float) -> None:
        self.center = np.asarray(center, dtype=float)
        self.radius = float(radius)

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Computes the world axis-aligned bounding box (lo, hi)."""
        return self.center - self.radius, self.center + self.radius

    def intersect(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Computes the hit distance of each unit ray, ``inf`` on a miss."""
        oc = origin - self.center
        b = dirs @ oc
        disc = b * b - (oc @ oc - self.radius ** 2)
        t = -b - np.sqrt(np.maximum(disc, 0.0))
        return np.where((disc >= 0) & (t > EPS), t, np.inf)

    def surface(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Computes outward normals, local coordinates and face ids (all 0) at surface points."""
        local = points - self.center
        return local / self.radius, local, np.zeros(len(points), dtype=np.int64)

    def keypoints(self, eye: np.ndarray) -> np.ndarray:
        """Computes the left and right silhouette extreme points seen from ``eye``."""
        side = _horizontal_side(self.center - eye)
        if np.linalg.norm(side) < EPS:
            return np.zeros((0, 3))
        return _tangent_points(eye, self.center, self.radius, side)


class Cylinder:
    """A vertical cylinder with flat caps.

    Args:
        center_xz: Axis position (x, z) in world coordinates.
        y0: Height of the bottom cap.
        y1: Height of the top cap.
        radius: Radius in metres.
    """

    def __init__(self, center_xz, y0: float, y1: float, radius: float) -> None:
        self.cx, self.cz = (float(v) for v in center_xz)
        self.y0, self.y1, self.radius = float(y0), float(y1), float(radius)

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Computes the world axis-aligned bounding box (lo, hi)."""
        r = self.radius
        return np.array([self.cx - r, self.y0, self.cz - r]), np.array([self.cx + r, self.y1, self.cz + r])

    def intersect(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Computes the hit distance of each unit ray with the side or the cap facing ``origin``."""
        ox, oy, oz = origin[0] - self.cx, origin[1], origin[2] - self.cz
        dx, dy, dz = dirs[:, 0], dirs[:, 1], dirs[:, 2]
        a = dx * dx + dz * dz
        b = dx * ox + dz * oz
        disc = b * b - a * (ox * ox + oz * oz - self.radius ** 2)
        with np.errstate(divide='ignore', invalid='ignore'):
            t = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
            y = oy + t * dy
            t = np.where((disc >= 0) & (y >= self.y0) & (y <= self.y1) & (t > EPS), t, np.inf)
            cap = self.y1 if oy > self.y1 else self.y0 if oy < self.y0 else None
            if cap is not None:
                tc = (cap - oy) / dy
                x, z = ox + tc * dx, oz + tc * dz
                t = np.where((x * x + z * z <= self.radius ** 2) & (tc > EPS), np.minimum(t, tc), t)
        return t

    def surface(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Computes outward normals, local coordinates and face ids (0 side, 1 bottom, 2 top)."""
        local = points - np.array([self.cx, self.y0, self.cz])
        height = self.y1 - self.y0
        radial = np.hypot(local[:, 0], local[:, 2])
        bottom = np.abs(local[:, 1]) < 1e-7
        top = np.abs(local[:, 1] - height) < 1e-7
        on_cap = (bottom | top) & (radial < self.radius * (1 - 1e-7))
        normal = np.zeros_like(local)
        normal[:, 0] = local[:, 0] / self.radius
        normal[:, 2] = local[:, 2] / self.radius
        normal[on_cap] = 0.0
        normal[on_cap, 1] = np.where(top[on_cap], 1.0, -1.0)
        face = np.where(on_cap, np.where(top, 2, 1), 0)
        local[on_cap, 1] = 0.0
        return normal, local, face

    def keypoints(self, eye: np.ndarray) -> np.ndarray:
        """Computes the silhouette extreme points of both rims seen from ``eye``."""
        rims = []
        for y in (self.y0, self.y1):
            center = np.array([self.cx, y, self.cz])
            flat_eye = np.array([eye[0], y, eye[2]])
            side = _horizontal_side(center - flat_eye)
            if np.linalg.norm(side) > EPS:
                rims.append(_tangent_points(flat_eye, center, self.radius, side))
        return np.concatenate(rims) if rims else np.zeros((0, 3))


class Room:
    """The interior of an axis-aligned room ``[0, size]``, seen from inside.

    Face ids: 0 wall x=0, 1 wall x=X, 2 floor, 3 ceiling, 4 wall z=0, 5 wall z=Z.

    Args:
        size: Room extents (x, y, z) in metres; ``y`` is the ceiling height.
    """

    #: Inward unit normal of each face.
    FACE_NORMALS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float)

    def __init__(self, size) -> None:
        self.size = np.asarray(size, dtype=float)

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Computes the world axis-aligned bounding box (lo, hi)."""
        return np.zeros(3), self.size.copy()

    def intersect(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Computes the distance from an inside ``origin`` to the room boundary along each ray."""
        return self.intersect_faces(origin, dirs)[0]

    def intersect_faces(self, origin: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Computes the distance to the boundary and the face id hit along each ray."""
        with np.errstate(divide='ignore'):
            dist = np.where(dirs > 0, self.size - origin, origin) / np.abs(dirs)
        axis = _argmax3(-dist)
        positive = dirs > 0
        face = 2 * axis + np.where(axis == 0, positive[:, 0], np.where(axis == 1, positive[:, 1], positive[:, 2]))
        return _min3(dist), face

    def surface(self, points: np.ndarray, face: int = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Computes inward normals, wall-plane coordinates and face ids at boundary points.

        Args:
            points: Points on the boundary, shape (M, 3).
            face: The face all points lie on, if known; classified per point otherwise.
        """
        local = points.copy()
        if face is not None:
            local[:, face // 2] = 0.0
            return np.broadcast_to(self.FACE_NORMALS[face], points.shape), local, np.full(len(points), face)
        axis = _argmax3(-np.abs(np.minimum(points, self.size - points)))
        rows = np.arange(len(points))
        faces = 2 * axis + (points[rows, axis] > self.size[axis] / 2)
        local[rows, axis] = 0.0
        return self.FACE_NORMALS[faces], local, faces

    def keypoints(self, eye: np.ndarray) -> np.ndarray:
        """Computes the 8 room corners."""
        return UNIT_CORNERS * self.size
