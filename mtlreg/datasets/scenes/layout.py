"""Random scene layouts: room, objects, camera and light."""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Union

import numpy as np

from .geometry import Box, Cylinder, Room, Sphere
from .textures import Material, random_material

CLASSES = ('floor', 'wall', 'ceiling', 'box', 'sphere', 'cylinder', 'pillar', 'table', 'panel')
#: RGB display colour per class.
PALETTE = ((140, 100, 60), (170, 170, 200), (240, 240, 200), (220, 60, 60), (60, 160, 230), (80, 200, 90),
           (150, 80, 200), (240, 170, 40), (30, 60, 120))
FLOOR, WALL, CEILING, BOX, SPHERE, CYLINDER, PILLAR, TABLE, PANEL = range(len(CLASSES))
#: Sampling weights of the object kinds placed in a room.
OBJECT_KINDS = {BOX: 0.27, SPHERE: 0.18, CYLINDER: 0.17, PILLAR: 0.08, TABLE: 0.14, PANEL: 0.16}

Shape = Union[Box, Sphere, Cylinder, Room]


@dataclass
class Part:
    """One primitive of the scene with its class and material.

    Attributes:
        shape: The primitive.
        label: Class id, or one class id per face id (for the room).
        material: Material, or one material per face id (for the room).
        has_keypoints: Whether the shape's keypoints enter the heatmap.
    """

    shape: Shape
    label: Union[int, tuple]
    material: Union[Material, tuple]
    has_keypoints: bool = True


@dataclass
class Camera:
    """A pinhole camera with square pixels.

    Attributes:
        position: Eye position in world coordinates, shape (3,).
        yaw: Heading in radians; 0 looks along +z.
        pitch: Elevation in radians; negative looks down.
        fov: Horizontal field of view in degrees.
    """

    position: np.ndarray
    yaw: float
    pitch: float
    fov: float = 60.0

    @property
    def rotation(self) -> np.ndarray:
        """Computes the camera-from-world rotation; its rows are the right, down and forward axes."""
        cy, sy, cp, sp = np.cos(self.yaw), np.sin(self.yaw), np.cos(self.pitch), np.sin(self.pitch)
        return np.array([[-cy, 0.0, sy], [sp * sy, -cp, sp * cy], [cp * sy, sp, cp * cy]])

    def intrinsics(self, height: int, width: int) -> np.ndarray:
        """Computes the 3x3 intrinsic matrix for an image of the given size (pixel centres at +0.5)."""
        f = width / 2 / np.tan(np.radians(self.fov) / 2)
        return np.array([[f, 0.0, width / 2], [0.0, f, height / 2], [0.0, 0.0, 1.0]])


@dataclass
class Scene:
    """Everything needed to render one sample.

    Attributes:
        room_size: Room extents (x, y, z) in metres.
        parts: Primitives; ``parts[0]`` is the room.
        camera: The camera.
        light_position: Point light position, shape (3,).
        light_color: Light RGB intensity, shape (3,).
        ambient: Ambient light level.
    """

    room_size: np.ndarray
    parts: list
    camera: Camera
    light_position: np.ndarray
    light_color: np.ndarray
    ambient: float


def _room_part(rng: np.random.Generator, size: np.ndarray) -> Part:
    """Samples the room part: floor, wall and ceiling materials (one wall may differ)."""
    floor = random_material(rng, (0.15, 0.4, 0.3, 0.15), scale=(0.3, 0.8), value=(0.3, 0.8))
    wall = random_material(rng, (0.4, 0.1, 0.3, 0.2), scale=(0.2, 0.6), saturation=(0.05, 0.5),
                           value=(0.55, 0.95))
    ceiling = random_material(rng, (0.7, 0.1, 0.1, 0.1), saturation=(0.0, 0.2), value=(0.75, 1.0))
    walls = [wall] * 4
    if rng.uniform() < 0.35:
        walls[rng.integers(4)] = random_material(rng, (0.3, 0.2, 0.3, 0.2), value=(0.4, 0.9))
    labels = (WALL, WALL, FLOOR, CEILING, WALL, WALL)
    return Part(Room(size), labels, (walls[0], walls[1], floor, ceiling, walls[2], walls[3]))


def _small_item(rng: np.random.Generator, base: Box) -> Part:
    """Samples a small box, sphere or cylinder resting on top of a box-shaped ``base``."""
    kind = (BOX, SPHERE, CYLINDER)[rng.integers(3)]
    mat = random_material(rng)
    limit = min(base.half[0], base.half[2])
    if kind == SPHERE:
        radius = rng.uniform(0.06, max(0.07, min(0.18, limit)))
    else:
        radius = rng.uniform(0.05, max(0.06, min(0.16, limit * 0.8)))
    slack = np.maximum(base.half[[0, 2]] - radius, 0.0)  # keeps the item on the top face
    offset = base.rot @ np.array([rng.uniform(-slack[0], slack[0]), 0.0, rng.uniform(-slack[1], slack[1])])
    x, y, z = base.center + offset + np.array([0.0, base.half[1], 0.0])
    if kind == SPHERE:
        return Part(Sphere([x, y + radius, z], radius), SPHERE, mat)
    height = rng.uniform(0.1, 0.4)
    if kind == CYLINDER:
        return Part(Cylinder((x, z), y, y + height, radius), CYLINDER, mat)
    side = radius * np.sqrt(2)
    return Part(Box([x, y + height / 2, z], [side, height, side], rng.uniform(0, np.pi)), BOX, mat)


def _floor_object(rng: np.random.Generator, kind: int, height: float) -> tuple[list, float]:
    """Samples an object standing at the origin of the floor; returns its parts and footprint radius.

    Boxes and tables sometimes carry a small item on top.
    """
    mat = random_material(rng)
    if kind == SPHERE:
        r = rng.uniform(0.15, 0.45)
        return [Part(Sphere([0, r, 0], r), SPHERE, mat)], r
    if kind == CYLINDER:
        r = rng.uniform(0.12, 0.4)
        return [Part(Cylinder((0, 0), 0.0, rng.uniform(0.3, 1.2), r), CYLINDER, mat)], r
    if kind == PILLAR:
        r = rng.uniform(0.12, 0.3)
        return [Part(Cylinder((0, 0), 0.0, height, r), PILLAR, mat)], r
    if kind == BOX:
        size = np.array([rng.uniform(0.3, 1.1), rng.uniform(0.25, 1.1), rng.uniform(0.3, 1.1)])
        yaw = 0.0 if rng.uniform() < 0.4 else rng.uniform(0, np.pi)
        parts = [Part(Box([0, size[1] / 2, 0], size, yaw), BOX, mat)]
    else:  # table: a slab on a central pedestal
        size = np.array([rng.uniform(0.8, 1.6), rng.uniform(0.04, 0.08), rng.uniform(0.6, 1.0)])
        y_top = rng.uniform(0.65, 0.85)
        leg = random_material(rng, (0.7, 0.0, 0.1, 0.2))
        parts = [Part(Box([0, y_top - size[1] / 2, 0], size, rng.uniform(0, np.pi)), TABLE, mat),
                 Part(Cylinder((0, 0), 0.0, y_top - size[1], rng.uniform(0.04, 0.09)), TABLE, leg, False)]
    if rng.uniform() < 0.4:
        parts.append(_small_item(rng, parts[0].shape))
    return parts, np.hypot(size[0], size[2]) / 2


def _translate(part: Part, dx: float, dz: float) -> None:
    """Moves a part horizontally in place."""
    shape = part.shape
    if isinstance(shape, Cylinder):
        shape.cx += dx
        shape.cz += dz
    else:
        shape.center = shape.center + np.array([dx, 0.0, dz])


def _panel(rng: np.random.Generator, size: np.ndarray) -> Part:
    """Samples a thin rectangular panel (picture, door, window) hung on a random wall."""
    wall = int(rng.integers(4))
    axis, high = (0, 0, 2, 2)[wall], wall % 2 == 1
    along = 2 - axis  # the horizontal axis running along the wall
    width = rng.uniform(0.5, min(1.5, size[along] - 0.4))
    height = rng.uniform(0.4, min(1.3, size[1] - 0.6))
    thick = rng.uniform(0.02, 0.06)
    center = np.zeros(3)
    center[along] = rng.uniform(width / 2 + 0.1, size[along] - width / 2 - 0.1)
    center[1] = rng.uniform(height / 2 + 0.3, size[1] - height / 2 - 0.2)
    center[axis] = size[axis] - thick / 2 if high else thick / 2
    # local z points into the room
    yaw = {(0, False): np.pi / 2, (0, True): -np.pi / 2, (2, False): 0.0, (2, True): np.pi}[axis, high]
    front = [i for i in range(8) if i % 2 == 1]  # corners with local z = +half
    mat = random_material(rng, (0.35, 0.15, 0.2, 0.3), value=(0.2, 0.9))
    return Part(Box(center, [width, height, thick], yaw, keypoint_ids=front), PANEL, mat)


def _camera(rng: np.random.Generator, size: np.ndarray, footprints: list, fov: float,
            candidates: int = 8) -> Camera:
    """Samples a camera inside the room, clear of objects, aimed near one object.

    Among a few valid positions it keeps the one whose view holds the most
    object centres.
    """
    spots = np.array(footprints, dtype=float).reshape(-1, 4)  # x, z, radius, target height
    lo = np.array([0.5, 1.0, 0.5])
    hi = np.array([size[0] - 0.5, min(2.0, size[1] - 0.3), size[2] - 0.5])
    pos = lo + rng.random((64, 3)) * (hi - lo)
    dx, dz = spots[:, 0] - pos[:, :1], spots[:, 1] - pos[:, 2:]
    dist = np.hypot(dx, dz)  # (positions, objects)
    valid = np.flatnonzero(~(dist <= spots[:, 2] + 0.35).any(1))[:candidates]
    if len(valid) == 0:  # a crowded room (not met in practice): look from the centre
        return Camera(np.array([size[0] / 2, 1.5, size[2] / 2]), float(rng.uniform(0, 2 * np.pi)), -0.3, fov)
    pos, dx, dz, dist = pos[valid], dx[valid], dz[valid], dist[valid]
    if len(spots):
        target = spots[rng.integers(len(spots), size=len(pos))][:, [0, 3, 1]]
    else:
        target = np.broadcast_to(size / 2, pos.shape)
    delta = target - pos
    yaw = np.arctan2(delta[:, 0], delta[:, 2]) + rng.normal(0, np.radians(12), size=len(pos))
    pitch = np.arctan2(delta[:, 1], np.hypot(delta[:, 0], delta[:, 2])) + rng.normal(0, np.radians(6), size=len(pos))
    off_axis = np.abs((np.arctan2(dx, dz) - yaw[:, None] + np.pi) % (2 * np.pi) - np.pi)
    best = int(np.argmax(((off_axis < np.radians(fov) * 0.4) & (dist > 1.0)).sum(1)))
    return Camera(pos[best], float(yaw[best]), float(np.clip(pitch[best], np.radians(-55), np.radians(10))), fov)


def sample_scene(rng: np.random.Generator, num_objects=(3, 7), fov: float = 60.0) -> Scene:
    """Samples a random room with objects, a camera and a point light.

    Args:
        rng: Random generator; the scene is a deterministic function of its state.
        num_objects: Inclusive range of the number of objects to place.
        fov: Horizontal field of view in degrees.

    Returns:
        The scene.
    """
    size = np.array([rng.uniform(4.0, 8.0), rng.uniform(2.5, 3.5), rng.uniform(4.0, 8.0)])
    parts = [_room_part(rng, size)]
    footprints = []  # (x, z, radius, height to aim at)
    kinds, weights = list(OBJECT_KINDS), list(itertools.accumulate(OBJECT_KINDS.values()))
    for _ in range(rng.integers(num_objects[0], num_objects[1] + 1)):
        kind = kinds[min(bisect.bisect_right(weights, rng.random() * weights[-1]), len(kinds) - 1)]
        if kind == PANEL:
            parts.append(_panel(rng, size))
            x, y, z = parts[-1].shape.center
            footprints.append((x, z, 0.0, y))  # aimed at, never in the way
            continue
        obj, radius = _floor_object(rng, kind, size[1])
        for _ in range(30):
            x = rng.uniform(radius + 0.05, size[0] - radius - 0.05)
            z = rng.uniform(radius + 0.05, size[2] - radius - 0.05)
            if all(np.hypot(x - fx, z - fz) > radius + fr + 0.05 for fx, fz, fr, _ in footprints):
                break
        else:
            continue
        for part in obj:
            _translate(part, x, z)
        parts.extend(obj)
        top = max(p.shape.aabb()[1][1] for p in obj)
        footprints.append((x, z, radius, min(top, 1.2) * 0.5))
    camera = _camera(rng, size, footprints, fov)
    light = size * np.array([rng.uniform(0.2, 0.8), 1.0, rng.uniform(0.2, 0.8)]) - [0.0, rng.uniform(0.1, 0.5), 0.0]
    tint = 1.0 + rng.uniform(-0.12, 0.12, size=3)
    return Scene(room_size=size, parts=parts, camera=camera, light_position=light,
                 light_color=rng.uniform(0.8, 1.2) * tint / tint.mean(), ambient=float(rng.uniform(0.25, 0.45)))

