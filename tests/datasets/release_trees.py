"""Tiny fake trees of the PASCAL-Context and NYUD-v2 multi-task releases and of DomainNet, in their exact layouts.

Each tree is small and deterministic, so the loader tests can check every decoded value by hand and the
config tests can run a config's stages on it. Images are ``size`` × ``size``.
"""
import os

import numpy as np
from PIL import Image
from scipy.io import savemat

#: PASCAL-Context LabelMap classes of the fake images: wall (normals kept), sky (normals invalid), person.
WALL, SKY, PERSON = 440, 360, 284


def _png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def _jpg(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, quality=95)


def _npy(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)


def _lines(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(''.join(f'{line}\n' for line in lines))


def _image(seed, size):
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def pascal_label_map(size):
    """Wall on the left half, sky on the right half, a person block in the lower left."""
    labels = np.full((size, size), WALL, np.uint16)
    labels[:, size // 2:] = SKY
    labels[size // 2:, 1:size // 4 + 1] = PERSON
    return labels


def person_annotation(size, with_person):
    """A PASCAL-Part 'anno' struct: one person with head and left upper arm parts, or a bottle without parts."""
    objects = np.zeros((1, 1), dtype=[('class', 'O'), ('class_ind', 'O'), ('mask', 'O'), ('parts', 'O')])
    mask = np.zeros((size, size), np.uint8)
    mask[size // 2:, 1:size // 4 + 1] = 1
    if with_person:
        parts = np.zeros((1, 2), dtype=[('part_name', 'O'), ('mask', 'O')])
        head, arm = np.zeros_like(mask), np.zeros_like(mask)
        head[size // 2, 1] = 1
        arm[size // 2 + 1, 1] = 1
        parts[0, 0] = ('head', head)
        parts[0, 1] = ('luarm', arm)
        objects[0, 0] = ('person', np.array([[15]]), mask, parts)
    else:
        objects[0, 0] = ('bottle', np.array([[5]]), mask, np.zeros((0, 0)))
    anno = np.zeros((1, 1), dtype=[('imname', 'O'), ('objects', 'O')])
    anno[0, 0] = ('image', objects)
    return anno


def make_pascal_context(root, splits=(('train', 4), ('val', 2)), size=8):
    """PASCAL_MT: split lists, images, semseg (VOC12 for even ids, pascal-context for odd), parts, normals,
    saliency, LabelMaps. Image k of a split has a person with parts when k is even."""
    for split, count in splits:
        ids = [f'2008_{split}{k:02d}' for k in range(count)]
        _lines(os.path.join(root, 'ImageSets', 'Context', f'{split}.txt'), ids)
        for k, image_id in enumerate(ids):
            _jpg(os.path.join(root, 'JPEGImages', f'{image_id}.jpg'), _image(k, size))
            seg = np.full((size, size), 15, np.uint8)
            seg[0, :3] = [0, 20, 255]
            seg[1, 0] = 99  # not a class: ignored
            folder = 'VOC12' if k % 2 == 0 else 'pascal-context'
            _png(os.path.join(root, 'semseg', folder, f'{image_id}.png'), seg)
            savemat(_mkdir_file(root, 'human_parts', f'{image_id}.mat'),
                    {'anno': person_annotation(size, with_person=k % 2 == 0)})
            normal = np.full((size, size, 3), 255, np.uint8)
            normal[..., 2] = 0
            _png(os.path.join(root, 'normals_distill', f'{image_id}.png'), normal)
            sal = np.zeros((size, size), np.uint8)
            sal[:, :size // 2] = 200
            sal[0, 0] = 127  # 127 / 255 < 0.5: not salient
            _png(os.path.join(root, 'sal_distill', f'{image_id}.png'), sal)
            savemat(_mkdir_file(root, os.path.join('pascal-context', 'trainval'), f'{image_id}.mat'),
                    {'LabelMap': pascal_label_map(size)})


def _mkdir_file(root, folder, name):
    os.makedirs(os.path.join(root, folder), exist_ok=True)
    return os.path.join(root, folder, name)


def make_nyud_mt(root, layout='nyud_mt', splits=(('train', 4), ('val', 2)), size=8):
    """NYUD-v2 multi-task release: gt_sets lists, images, segmentation (1..40, 0 unlabelled), depth, normals and
    a boundary along column 2, as npy (layout 'nyud_mt') or png (layout 'nyud_mt_png')."""
    png = layout == 'nyud_mt_png'
    for split, count in splits:
        ids = [f'{split}_{k:04d}' for k in range(count)]
        _lines(os.path.join(root, 'gt_sets', f'{split}.txt'), ids)
        for k, image_id in enumerate(ids):
            (_png if png else _jpg)(os.path.join(root, 'images', f'{image_id}.{"png" if png else "jpg"}'),
                                    _image(k, size))
            seg = np.full((size, size), 5, np.uint8)
            seg[0, :3] = [0, 1, 40]
            _png(os.path.join(root, 'segmentation', f'{image_id}.png'), seg)
            depth = np.full((size, size), 2.5, np.float32)
            depth[0, 0] = 0.0
            _npy(os.path.join(root, 'depth', f'{image_id}.npy'), depth)
            edge = np.zeros((size, size), np.float32)
            edge[:, 2] = 1.0
            if png:
                normal = np.full((size, size, 3), 255, np.uint8)
                normal[..., 0] = 0
                _png(os.path.join(root, 'normals', f'{image_id}.png'), normal)
                _png(os.path.join(root, 'edge', f'{image_id}.png'), (edge * 255).astype(np.uint8))
            else:
                normal = np.zeros((size, size, 3), np.float32)
                normal[..., 2] = 1.0
                normal[0, 0] = 0.0
                _npy(os.path.join(root, 'normals', f'{image_id}.npy'), normal)
                _npy(os.path.join(root, 'edge', f'{image_id}.npy'), edge)


#: Classes of the fake DomainNet tree, with their ids in the release (alphabetical, case, '_', '-' ignored).
DOMAINNET_FAKE_CLASSES = (('aircraft_carrier', 0), ('t-shirt', 327), ('zigzag', 344))


def make_domainnet(root, domains=('real', 'painting', 'quickdraw', 'clipart', 'infograph', 'sketch'),
                   per_class=(('train', 2), ('test', 1)), size=12):
    """DomainNet: ``<domain>_<split>.txt`` lists and ``<domain>/<class>/<file>.jpg`` images of three classes."""
    for d, domain in enumerate(domains):
        for split, n in per_class:
            lines = []
            for c, (name, label) in enumerate(DOMAINNET_FAKE_CLASSES):
                for i in range(n):
                    rel = f'{domain}/{name}/{domain}_{label + 1:03d}_{split}{i:06d}.jpg'
                    _jpg(os.path.join(root, rel), _image(100 * d + 10 * c + i, size))
                    lines.append(f'{rel} {label}')
            _lines(os.path.join(root, f'{domain}_{split}.txt'), lines)
