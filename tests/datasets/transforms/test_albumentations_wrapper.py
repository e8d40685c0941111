"""Tests of the joint albumentations wrapper: normals follow the geometry, labels stay aligned and filled."""
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mtlreg.datasets.transforms import Albumentations, PackMultiTaskInputs  # noqa: E402
from mtlreg.registry import TRANSFORMS  # noqa: E402
from tests.datasets.transforms.scene_samples import make_scene, normals_from_depth  # noqa: E402


def run(transform: Albumentations, sample: dict, seed: int = 0) -> dict:
    np.random.seed(seed)
    copy = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in sample.items()}
    copy['label_types'] = dict(sample['label_types'])
    return transform(copy)


def assert_normals_consistent(out: dict) -> None:
    """Transformed normals must equal the normals derived from the transformed depth."""
    np.testing.assert_allclose(out['normal'], normals_from_depth(out['depth']), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(out['normal'], axis=-1), 1.0, atol=1e-5)


# ------------------------------------------------------------------ normals
def test_normal_convention_sanity():
    depth = np.tile(np.arange(8, dtype=np.float32), (4, 1)) + 1  # deeper to the right
    n = normals_from_depth(depth)
    assert n[2, 3, 0] > 0 and n[2, 3, 2] < 0 and abs(n[2, 3, 1]) < 1e-6


@pytest.mark.parametrize('cfg,expected', [
    (dict(type='HorizontalFlip', p=1.0), lambda a: a[:, ::-1]),
    (dict(type='VerticalFlip', p=1.0), lambda a: a[::-1]),
    (dict(type='Transpose', p=1.0), lambda a: a.swapaxes(0, 1)),
])
def test_flip_and_transpose_keep_normals_consistent(cfg, expected):
    sample = make_scene()
    out = run(Albumentations([cfg]), sample)
    np.testing.assert_array_equal(out['depth'], expected(sample['depth']))
    np.testing.assert_array_equal(out['seg'], expected(sample['seg']))
    assert_normals_consistent(out)


def test_horizontal_flip_negates_x_only():
    sample = make_scene()
    out = run(Albumentations([dict(type='HorizontalFlip', p=1.0)]), sample)
    flipped = sample['normal'][:, ::-1]
    np.testing.assert_allclose(out['normal'][..., 0], -flipped[..., 0])
    np.testing.assert_allclose(out['normal'][..., 1:], flipped[..., 1:])


def test_random_rotate90_every_factor():
    sample = make_scene()
    transform = Albumentations([dict(type='RandomRotate90', p=1.0)])
    seen = set()
    for seed in range(40):
        out = run(transform, sample, seed)
        k = next(k for k in range(4) if out['depth'].shape == np.rot90(sample['depth'], k).shape
                 and np.array_equal(out['depth'], np.rot90(sample['depth'], k)))
        seen.add(k)
        np.testing.assert_array_equal(out['seg'], np.rot90(sample['seg'], k))
        assert_normals_consistent(out)
    assert seen == {0, 1, 2, 3}


def test_d4_every_element():
    sample = make_scene(7, 7)
    transform = Albumentations([dict(type='D4', p=1.0)])
    seen = set()
    for seed in range(60):
        out = run(transform, sample, seed)
        seen.add(out['depth'].tobytes())
        assert_normals_consistent(out)
    assert len(seen) == 8


def test_composed_geometry_with_nested_compositions():
    sample = make_scene()
    transform = Albumentations([
        dict(type='OneOf', transforms=[dict(type='Transpose'), dict(type='RandomRotate90')], p=1.0),
        dict(type='SomeOf', n=2, transforms=[dict(type='HorizontalFlip'), dict(type='VerticalFlip'),
                                             dict(type='RandomRotate90')], p=1.0),
        dict(type='ColorJitter', p=1.0),
    ])
    for seed in range(10):
        assert_normals_consistent(run(transform, sample, seed))


def planar_scene(size: int = 33) -> dict:
    v, u = np.mgrid[0:size, 0:size].astype(np.float64)
    depth = (12.0 + 0.4 * u - 0.25 * v).astype(np.float32)
    return {'img': np.zeros((size, size, 3), np.uint8), 'depth': depth,
            'normal': normals_from_depth(depth), 'label_types': {'depth': 'depth', 'normal': 'normal'}}


def constant_normal(out: dict) -> np.ndarray:
    """Returns the single normal of a transformed plane, checking it is constant where valid."""
    valid = np.any(out['normal'] != 0, axis=-1)
    np.testing.assert_array_equal(valid, out['depth'] > 0)
    assert 0 < valid.sum()
    got = out['normal'][valid]
    np.testing.assert_allclose(got, np.broadcast_to(got[0], got.shape), atol=1e-5)
    return got[0]


@pytest.mark.parametrize('cfg', [
    dict(type='Rotate', limit=(30, 30), p=1.0),
    dict(type='Rotate', limit=(-70, -70), p=1.0),
    dict(type='Affine', rotate=(-40, -40), scale=(0.8, 0.8), p=1.0),
    dict(type='SafeRotate', limit=(25, 25), p=1.0),
])
def test_arbitrary_rotation_turns_normals_by_the_image_angle(cfg):
    sample = planar_scene()
    out = run(Albumentations([cfg]), sample)
    n = constant_normal(out)
    # The in-plane rotation keeps the z component ...
    np.testing.assert_allclose(n[2], sample['normal'][0, 0, 2], atol=1e-5)
    # ... and turns (x, y) like the depth gradient of the rotated image, which a
    # plane fitted to the transformed depth measures (uniform scaling changes
    # only its length).
    size = out['depth'].shape[0]
    v, u = np.mgrid[0:size, 0:size].astype(np.float64)
    valid = out['depth'] > 0
    a = np.stack([u[valid], v[valid], np.ones(valid.sum())], axis=1)
    (z_u, z_v, _), *_ = np.linalg.lstsq(a, out['depth'][valid].astype(np.float64), rcond=None)
    diff = np.degrees(np.arctan2(n[1], n[0]) - np.arctan2(z_v, z_u))
    assert abs((diff + 180) % 360 - 180) < 1.5, diff


def test_rotation_with_axis_aligned_scaling_uses_the_rotation():
    sample = planar_scene()
    plain = constant_normal(run(Albumentations([dict(type='Affine', rotate=(30, 30), p=1.0)]), sample))
    for scale in ({'x': (1.0, 1.0), 'y': (1.3, 1.3)}, {'x': (0.7, 0.7), 'y': (1.1, 1.1)}):
        out = run(Albumentations([dict(type='Affine', rotate=(30, 30), scale=scale, p=1.0)]), sample)
        np.testing.assert_allclose(constant_normal(out), plain, atol=1e-5)
    wide = make_scene(6, 10)
    out = run(Albumentations([dict(type='SafeRotate', limit=(20, 20), p=1.0)]), wide)
    norm = np.linalg.norm(out['normal'], axis=-1)
    np.testing.assert_allclose(norm[norm > 0], 1.0, atol=1e-5)


def test_unit_length_and_invalid_normals_under_resized_crop():
    sample = make_scene(16, 16)
    sample['normal'][3:6, 4:9] = 0
    sample['seg'][3:6, 4:9] = 9  # marks the invalid normals
    transform = Albumentations([dict(type='RandomResizedCrop', size=(12, 12), scale=(0.4, 1.0), p=1.0),
                                dict(type='HorizontalFlip', p=0.5), dict(type='RandomRotate90', p=1.0)])
    for seed in range(6):
        out = run(transform, sample, seed)
        norm = np.linalg.norm(out['normal'], axis=-1)
        zero = norm == 0
        np.testing.assert_array_equal(zero, out['seg'] == 9)
        np.testing.assert_allclose(norm[~zero], 1.0, atol=1e-5)


@pytest.mark.parametrize('cfg,match', [
    (dict(type='ElasticTransform', p=1.0), 'ElasticTransform'),
    (dict(type='OneOf', transforms=[dict(type='GridDistortion')], p=0.0), 'GridDistortion'),
    (dict(type='Affine', shear=(20, 20), p=1.0), 'shear'),
    (dict(type='Rotate', limit=10, border_mode=cv2.BORDER_REFLECT_101, p=1.0), 'border_mode'),
])
def test_unsupported_geometry_for_normals_raises(cfg, match):
    with pytest.raises(ValueError, match=match):
        run(Albumentations([cfg]), make_scene())


def test_unsupported_geometry_allowed_without_normals():
    sample = make_scene()
    del sample['normal']
    sample['label_types'].pop('normal')
    out = run(Albumentations([dict(type='Affine', shear=(20, 20), p=1.0)]), sample)
    assert out['seg'].shape == sample['seg'].shape


def test_axis_aligned_nonuniform_scale_keeps_normals():
    sample = make_scene(8, 8)
    out = run(Albumentations([dict(type='Resize', height=16, width=8, p=1.0)]), sample)
    assert out['normal'].shape == (16, 8, 3)
    np.testing.assert_array_equal(out['normal'], np.repeat(sample['normal'], 2, axis=0))


# ------------------------------------------------------------ interpolation
@pytest.mark.parametrize('cfg', [
    dict(type='RandomResizedCrop', size=(11, 13), scale=(0.3, 1.0), interpolation=cv2.INTER_LINEAR,
         mask_interpolation=cv2.INTER_LINEAR, p=1.0),
    dict(type='Resize', height=13, width=5, interpolation=cv2.INTER_CUBIC, p=1.0),
    dict(type='Rotate', limit=(25, 25), p=1.0),
])
def test_seg_values_stay_in_original_set(cfg):
    rng = np.random.default_rng(0)
    sample = make_scene(9, 9)
    sample['seg'] = rng.choice(np.array([0, 3, 7]), size=(9, 9)).astype(np.int64)
    allowed = {0, 3, 7, 255}
    for seed in range(4):
        out = run(Albumentations([cfg]), sample, seed)
        assert out['seg'].dtype == np.int64
        assert set(np.unique(out['seg']).tolist()) <= allowed
        assert set(np.unique(out['depth']).tolist()) <= set(np.unique(sample['depth']).tolist()) | {0.0}


def test_image_and_labels_stay_aligned():
    sample = make_scene(6, 8)
    sample['img'][:] = 0
    sample['img'][1, 5] = 255
    sample['seg'][:] = 0
    sample['seg'][1, 5] = 5
    sample['depth'][1, 5] = 99.0
    transform = Albumentations([
        dict(type='HorizontalFlip', p=1.0), dict(type='RandomRotate90', p=1.0), dict(type='Transpose', p=1.0),
        dict(type='Resize', height=12, width=16, interpolation=cv2.INTER_NEAREST, p=1.0),
        dict(type='RandomCrop', height=10, width=10, p=1.0)])
    visible = 0
    for seed in range(8):
        out = run(transform, sample, seed)
        img_marker = out['img'][..., 0] == 255
        visible += int(img_marker.any())  # the crop may cut the marker away
        np.testing.assert_array_equal(img_marker, out['seg'] == 5)
        np.testing.assert_array_equal(img_marker, out['depth'] == 99.0)
    assert visible > 0


# ------------------------------------------------------------------- fills
def test_padding_fills_per_label_kind():
    sample = make_scene(6, 8)
    sample['edge'] = np.full((6, 8), 0.5, np.float32)
    sample['label_types']['edge'] = 'dense'
    out = run(Albumentations([dict(type='PadIfNeeded', min_height=10, min_width=10, fill=7, p=1.0)]), sample)
    pad = np.ones((10, 10), bool)
    pad[2:8, 1:9] = False
    assert out['img'].shape == (10, 10, 3) and np.all(out['img'][pad] == 7)
    assert np.all(out['seg'][pad] == 255) and np.all(out['seg'][~pad] != 255)
    assert np.all(out['depth'][pad] == 0) and np.all(out['depth'][~pad] > 0)
    assert np.all(out['normal'][pad] == 0)
    assert np.all(out['edge'][pad] == 0) and np.all(out['edge'][~pad] == 0.5)
    assert out['cls'] == 3


def test_label_fill_override_and_rotation_corners():
    sample = make_scene(9, 9)
    out = run(Albumentations([dict(type='Rotate', limit=(45, 45), p=1.0)],
                             label_fill={'segmentation': 200, 'depth': -1.0}), sample)
    corner = out['depth'] == -1.0
    assert corner[0, 0] and corner[-1, -1] and not corner[4, 4]
    np.testing.assert_array_equal(out['seg'] == 200, corner)
    np.testing.assert_array_equal(np.all(out['normal'] == 0, axis=-1), corner)


def test_dropout_fills_labels_only_with_fill_mask():
    sample = make_scene(16, 16)
    holes = dict(type='CoarseDropout', num_holes_range=(2, 2), hole_height_range=(4, 4),
                 hole_width_range=(4, 4), fill=0, p=1.0)
    out = run(Albumentations([holes]), sample)
    np.testing.assert_array_equal(out['seg'], sample['seg'])
    out = run(Albumentations([dict(holes, fill_mask=3)]), sample)
    dropped = out['seg'] == 255
    assert dropped.sum() >= 16
    assert np.all(out['depth'][dropped] == 0) and np.all(out['normal'][dropped] == 0)
    assert np.all(out['img'][dropped] == 0)


def test_label_fill_rejects_unknown_kind():
    with pytest.raises(ValueError, match='class'):
        Albumentations([], label_fill={'class': 1})


# --------------------------------------------------------------- plumbing
def test_unknown_type_names_it():
    with pytest.raises(ValueError, match='NoSuchFlip'):
        Albumentations([dict(type='NoSuchFlip', p=1.0)])
    with pytest.raises(ValueError, match='Nope'):
        Albumentations([dict(type='OneOf', transforms=[dict(type='Nope')])])


def test_missing_label_key_names_it():
    sample = make_scene()
    del sample['depth']
    with pytest.raises(KeyError, match='depth'):
        run(Albumentations([dict(type='HorizontalFlip', p=1.0)]), sample)


def test_reproducible_with_numpy_seed_and_color_only_image():
    sample = make_scene()
    transform = Albumentations([dict(type='RandomResizedCrop', size=(6, 6), scale=(0.3, 1.0), p=1.0),
                                dict(type='ColorJitter', p=1.0)])
    a, b = run(transform, sample, 3), run(transform, sample, 3)
    np.testing.assert_array_equal(a['img'], b['img'])
    np.testing.assert_array_equal(a['seg'], b['seg'])
    gray = {'img': np.arange(64, dtype=np.uint8).reshape(8, 8), 'cls': 1, 'label_types': {'cls': 'class'}}
    out = run(Albumentations([dict(type='HorizontalFlip', p=1.0)]), gray)
    np.testing.assert_array_equal(out['img'], gray['img'][:, ::-1])
    assert out['cls'] == 1


def test_registry_and_mmengine_compose():
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope
    scope = DefaultScope.get_instance('test_transforms_scope', scope_name='mtlreg')
    assert scope.scope_name == 'mtlreg'
    pipeline = Compose([dict(type='Albumentations', transforms=[dict(type='HorizontalFlip', p=1.0)]),
                        dict(type='NormalizeImage'), dict(type='PackMultiTaskInputs')])
    packed = pipeline(make_scene())
    assert set(packed) == {'inputs', 'data_samples'}
    assert isinstance(TRANSFORMS.build(dict(type='PackMultiTaskInputs')), PackMultiTaskInputs)
