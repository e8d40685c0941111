"""The procedural scenes renderer: shapes and dtypes, determinism, geometric labels, classes, larger images."""
import numpy as np
import pytest

from mtlreg.datasets.scenes import CLASSES, LABEL_TYPES, SceneRenderer
from tests.datasets.conftest import RES


@pytest.fixture(scope='module')
def samples(renderer):
    return [renderer.render(i) for i in range(20)]


def test_shapes_and_dtypes(samples):
    s = samples[0]
    assert s['img'].shape == (RES, RES, 3) and s['img'].dtype == np.uint8
    assert s['seg'].shape == (RES, RES) and s['seg'].dtype == np.int64
    assert s['normal'].shape == (RES, RES, 3) and s['normal'].dtype == np.float32
    for key in ('depth', 'edge', 'keypoint'):
        assert s[key].shape == (RES, RES) and s[key].dtype == np.float32
    for s in samples:
        assert 0 <= s['seg'].min() and s['seg'].max() < len(CLASSES)
        assert 0 <= s['edge'].min() and s['edge'].max() <= 1
        assert 0 <= s['keypoint'].min() and s['keypoint'].max() <= 1


def test_deterministic_and_distinct(renderer, samples):
    again = SceneRenderer(RES, seed=0).render(3)
    for key in LABEL_TYPES.keys() | {'img'}:
        np.testing.assert_array_equal(again[key], samples[3][key])
    assert not np.array_equal(samples[3]['img'], samples[4]['img'])
    assert not np.array_equal(SceneRenderer(RES, seed=1).render(3)['img'], samples[3]['img'])


def view_rays(intrinsics, height, width):
    """Computes the camera-frame direction of the ray through each pixel centre."""
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    return np.stack([(u - intrinsics[0, 2]) / intrinsics[0, 0], (v - intrinsics[1, 2]) / intrinsics[1, 1],
                     np.ones_like(u)], axis=-1)


def test_geometry_labels(samples):
    for s in samples:
        assert (s['depth'] > 0).all()  # every ray hits the room
        norm = np.linalg.norm(s['normal'], axis=-1)
        np.testing.assert_allclose(norm, 1.0, atol=1e-4)
        rays = view_rays(s['camera']['intrinsics'], RES, RES)
        assert (np.einsum('hwc,hwc->hw', s['normal'], rays) < 1e-4).all()
    assert sum(s['edge'].sum() for s in samples) > 0
    assert sum(s['keypoint'].max() > 0.5 for s in samples) >= 15


def test_class_coverage(samples):
    seen = np.unique(np.concatenate([s['seg'].ravel() for s in samples]))
    assert len(seen) >= 8


def test_resolution_128():
    s = SceneRenderer(128).render(0)
    assert s['img'].shape == (128, 128, 3) and s['normal'].shape == (128, 128, 3)
    assert (s['depth'] > 0).all()
