"""PASCAL-Context in the multi-task release of Maninis et al. (PASCAL_MT): five dense tasks per image."""
from __future__ import annotations

import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS
from mtlreg.utils.edge_eval import thin

from .dataset_layout import (IGNORE_INDEX, ReleasedDatasetMixin, as_hw, check_same_size, check_tasks, class_map,
                             normal_from_uint8, read_id_list, read_png, require_dir, require_file,
                             require_sample_file, resolve_root, shape_error)

#: Label key -> label kind.
PASCAL_LABEL_TYPES = {'seg': 'segmentation', 'parts': 'segmentation', 'normal': 'normal', 'sal': 'dense',
                      'edge': 'dense'}

#: Background and the 20 PASCAL VOC classes (class id = stored value).
PASCAL_VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
                      'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
                      'train', 'tvmonitor')

#: Background and the six human parts of the release's 6-part grouping.
PASCAL_PART_CLASSES = ('background', 'head', 'torso', 'upper arm', 'lower arm', 'upper leg', 'lower leg')

#: PASCAL-Part part names of a person -> human-part class (the 6-part grouping of the release's loaders).
PERSON_PARTS = {
    **dict.fromkeys(('hair', 'head', 'lear', 'lebrow', 'leye', 'mouth', 'nose', 'rear', 'rebrow', 'reye'), 1),
    **dict.fromkeys(('neck', 'torso'), 2),
    **dict.fromkeys(('luarm', 'ruarm'), 3),
    **dict.fromkeys(('llarm', 'rlarm', 'lhand', 'rhand'), 4),
    **dict.fromkeys(('luleg', 'ruleg'), 5),
    **dict.fromkeys(('llleg', 'rlleg', 'lfoot', 'rfoot'), 6),
}
#: The PASCAL VOC class index of 'person' in the PASCAL-Part annotations.
PERSON_CLASS = 15

#: PASCAL-Context classes (ids of its 459-class LabelMap) whose distilled normals are kept: the classes that
#: NYUv2's class list also names ('unknown' aside), and 'tvmonitor' (427). The other pixels are invalid.
NORMAL_VALID_CONTEXT_CLASSES = frozenset((
    3, 4, 6, 9, 10, 11, 13, 15, 17, 18, 22, 23, 29, 30, 33, 34, 36, 37, 38, 39, 41, 43, 46, 49, 50, 51, 53, 55, 56, 59,
    61, 62, 65, 66, 68, 69, 72, 73, 78, 83, 84, 85, 87, 88, 95, 96, 101, 104, 105, 107, 111, 113, 115, 122, 124, 135,
    141, 142, 143, 146, 150, 154, 157, 158, 159, 165, 172, 174, 181, 183, 184, 191, 193, 195, 197, 199, 202, 213, 215,
    216, 219, 220, 223, 225, 228, 230, 232, 233, 238, 239, 242, 243, 246, 250, 251, 252, 255, 260, 261, 263, 269, 272,
    273, 275, 281, 283, 284, 285, 286, 287, 288, 290, 291, 292, 293, 295, 304, 307, 309, 310, 314, 315, 319, 323, 329,
    330, 331, 336, 342, 345, 349, 350, 351, 352, 355, 357, 368, 370, 371, 374, 379, 380, 383, 384, 397, 401, 403, 405,
    407, 408, 411, 412, 413, 414, 417, 419, 421, 423, 427, 429, 430, 432, 440, 441, 442, 443, 444, 446, 454, 457))

PASCAL_LAYOUT = """\
  data/pascal_context/                 (the PASCAL_MT release)
    ImageSets/Context/train.txt        one image id per line (e.g. 2008_000002)
    ImageSets/Context/val.txt          ('test' reads val: the release has no separate test set)
    JPEGImages/<id>.jpg                RGB image
    semseg/VOC12/<id>.png              21 classes (0 = background), 255 = ignore; else
    semseg/pascal-context/<id>.png     (the loader looks in VOC12 first)
    human_parts/<id>.mat               PASCAL-Part annotation ('anno'); persons' parts -> 6 part classes
    normals_distill/<id>.png           RGB normals, value / 255 * 2 - 1
    sal_distill/<id>.png               grey saliency, value / 255 > 0.5 = salient
    pascal-context/trainval/<id>.mat   'LabelMap' (459 PASCAL-Context classes): boundaries, valid normals"""

PASCAL_SPLITS = ('train', 'val', 'test')


def load_mat(path: str, dataset: str, sample: str) -> dict:
    """Reads a MATLAB ``.mat`` file with SciPy.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it cannot be read as a ``.mat`` file.
    """
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError
    require_sample_file(path, dataset, sample)
    try:
        return loadmat(path)
    except (MatReadError, ValueError, OSError, TypeError, NotImplementedError) as err:
        raise ValueError(f'{dataset}: cannot read {path!r} (sample {sample}) as a MATLAB .mat file: {err}') from err


def boundaries_from_labels(labels: np.ndarray) -> np.ndarray:
    """Boundaries of a label map, as the release's loaders derive them.

    A pixel is a boundary pixel where the 4-neighbour Laplacian of the class
    ids is non-zero (OpenCV's ``Laplacian`` with a 1-pixel aperture, borders
    reflected), thinned to one-pixel lines.

    Returns:
        float32 HxW map of 0 and 1.
    """
    import cv2
    lap = cv2.Laplacian(np.ascontiguousarray(labels, dtype=np.float64), cv2.CV_64F)
    return thin(np.abs(lap) > 0).astype(np.float32)


def human_parts_from_annotation(anno, shape: tuple, path: str, dataset: str, sample: str) -> np.ndarray:
    """Builds the human-part map of one image from its PASCAL-Part annotation.

    Every person object's parts are painted with their part class (a later
    part overwrites an earlier one), everything else is background (0). An
    image without any annotated person part is all ignore (255), so it adds
    nothing to the loss or to the mIoU (the release's loaders treat it so).

    Args:
        anno: ``loadmat(...)['anno']``: objects at ``[0][0][1][0]``, each with
            class index ``obj[1]``, mask ``obj[2]`` and parts ``obj[3]``
            (part name ``part[0]``, mask ``part[1]``).
        shape: The image size.

    Raises:
        ValueError: If the structure or a mask size does not fit.
    """
    target = np.zeros(shape, dtype=np.int64)
    found = False
    try:
        objects = anno[0][0][1][0]
        for obj in objects:
            parts = obj[3]
            if int(np.asarray(obj[1]).ravel()[0]) != PERSON_CLASS or len(parts) == 0:
                continue
            for part in parts[0]:
                name = str(np.asarray(part[0]).ravel()[0])
                mask = np.asarray(part[1]).astype(bool)
                if mask.shape != tuple(shape):
                    raise shape_error(path, dataset, sample, mask, f'part masks of the image size {shape}')
                if name not in PERSON_PARTS:
                    raise ValueError(f'{dataset}: {path!r} (sample {sample}) names the person part {name!r}; '
                                     f'expected one of {sorted(PERSON_PARTS)}')
                target[mask] = PERSON_PARTS[name]
                found = True
    except (IndexError, TypeError) as err:
        raise ValueError(f'{dataset}: {path!r} (sample {sample}) is not a PASCAL-Part annotation: expected '
                         f"'anno' with objects (class, class_ind, mask, parts) ({err})") from err
    if not found or not target.any():
        target[:] = IGNORE_INDEX
    return target


@DATASETS.register_module()
class PascalContextDataset(ReleasedDatasetMixin, BaseDataset):
    """PASCAL-Context with semantic classes, human parts, normals, saliency and boundaries.

    The layout of the PASCAL_MT release (Maninis et al., CVPR 2019, "Attentive
    Single-Tasking of Multiple Tasks"), which MTI-Net, ATRC and InvPT train on
    (:data:`PASCAL_LAYOUT`). Decoding, as in the release's loaders:

    * ``seg``: int64 HxW, 21 classes (background + 20 VOC classes), 255 ignored.
    * ``parts``: int64 HxW, 7 classes (background + 6 human parts); images
      without annotated person parts are all 255 (ignored).
    * ``normal``: float32 HxWx3, ``value / 255 * 2 - 1``; pixels whose
      PASCAL-Context class is not among
      :data:`NORMAL_VALID_CONTEXT_CLASSES` get the zero vector (invalid).
    * ``sal``: float32 HxW, 1 where ``value / 255 > 0.5``, else 0.
    * ``edge``: float32 HxW, 1 on the thinned boundaries of the LabelMap
      (:func:`boundaries_from_labels`).

    Args:
        root: Dataset root. Defaults to ``data/pascal_context``.
        split: ``'train'``, ``'val'`` or ``'test'`` (reads val).
        tasks: Label keys to keep; None keeps all five. Only the files of kept
            labels are read.
        pipeline: Transforms applied to each sample.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset``; ``data_root``
            is accepted as another name of ``root``.

    Raises:
        FileNotFoundError: If the root or the split file is missing (at
            construction) or a file of a kept label is missing (when fetched).
        ValueError: On an unknown split or task, or a file whose content does
            not fit (when fetched).
    """

    #: None: building an example needs files on disk (tests/datasets covers it with fake files)
    example_args = None

    METAINFO = dict(classes=PASCAL_VOC_CLASSES, part_classes=PASCAL_PART_CLASSES, ignore_index=IGNORE_INDEX,
                    tasks=tuple(PASCAL_LABEL_TYPES), label_types=dict(PASCAL_LABEL_TYPES))

    def __init__(self, root: str = 'data/pascal_context', split: str = 'train', tasks: Optional[Sequence[str]] = None,
                 pipeline: Sequence = (), **kwargs) -> None:
        name = 'PascalContextDataset'
        root = resolve_root(root, kwargs, 'data/pascal_context', name)
        if split not in PASCAL_SPLITS:
            raise ValueError(f"{name}: unknown split {split!r}; expected one of {list(PASCAL_SPLITS)} ('test' reads "
                             'val)')
        require_dir(root, name, PASCAL_LAYOUT)
        index = osp.join(root, 'ImageSets', 'Context', f'{"val" if split == "test" else split}.txt')
        require_file(index, name, PASCAL_LAYOUT, what='split file')
        self.root, self.split = root, split
        self.tasks = check_tasks(tasks, tuple(PASCAL_LABEL_TYPES), name)
        self.label_types = {t: PASCAL_LABEL_TYPES[t] for t in self.tasks}
        self.samples = [{'id': i, 'img': osp.join('JPEGImages', f'{i}.jpg')} for i in read_id_list(index)]
        metainfo = dict(tasks=self.tasks, label_types=dict(self.label_types), **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', data_root=root, metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    def _semseg_file(self, image_id: str) -> str:
        voc = osp.join(self.root, 'semseg', 'VOC12', f'{image_id}.png')
        return voc if osp.isfile(voc) else osp.join(self.root, 'semseg', 'pascal-context', f'{image_id}.png')

    def _label_map(self, image_id: str, sample: str, size: tuple) -> np.ndarray:
        name = 'PascalContextDataset'
        path = osp.join(self.root, 'pascal-context', 'trainval', f'{image_id}.mat')
        mat = load_mat(path, name, sample)
        if 'LabelMap' not in mat:
            raise ValueError(f"{name}: {path!r} (sample {sample}) has no 'LabelMap'; its keys are "
                             f"{sorted(k for k in mat if not k.startswith('__'))}")
        labels = as_hw(np.asarray(mat['LabelMap']), path, name, sample, 'class map')
        check_same_size(labels, size, path, name, sample, 'LabelMap')
        return labels

    def load_sample(self, files: dict, sample: str) -> dict:
        """Reads and decodes the image and the kept labels of one sample."""
        name, image_id = 'PascalContextDataset', files['id']
        img = read_png(osp.join(self.root, files['img']), name, sample, mode='RGB')
        size = img.shape[:2]
        out = {'img': img}
        labels = self._label_map(image_id, sample, size) if {'edge', 'normal'} & set(self.tasks) else None
        if 'seg' in self.tasks:
            path = self._semseg_file(image_id)
            out['seg'] = class_map(read_png(path, name, sample), path, name, sample, size, len(PASCAL_VOC_CLASSES))
        if 'parts' in self.tasks:
            path = osp.join(self.root, 'human_parts', f'{image_id}.mat')
            mat = load_mat(path, name, sample)
            if 'anno' not in mat:
                raise ValueError(f"{name}: {path!r} (sample {sample}) has no 'anno' (a PASCAL-Part annotation)")
            out['parts'] = human_parts_from_annotation(mat['anno'], size, path, name, sample)
        if 'normal' in self.tasks:
            path = osp.join(self.root, 'normals_distill', f'{image_id}.png')
            normal = normal_from_uint8(read_png(path, name, sample), path, name, sample)
            check_same_size(normal, size, path, name, sample, 'normal map')
            normal[~np.isin(labels, list(NORMAL_VALID_CONTEXT_CLASSES))] = 0.0
            out['normal'] = normal
        if 'sal' in self.tasks:
            path = osp.join(self.root, 'sal_distill', f'{image_id}.png')
            sal = as_hw(read_png(path, name, sample), path, name, sample, 'saliency map')
            check_same_size(sal, size, path, name, sample, 'saliency map')
            out['sal'] = (sal.astype(np.float32) / 255.0 > 0.5).astype(np.float32)
        if 'edge' in self.tasks:
            out['edge'] = boundaries_from_labels(labels)
        return out


__all__ = ['NORMAL_VALID_CONTEXT_CLASSES', 'PASCAL_LABEL_TYPES', 'PASCAL_PART_CLASSES', 'PASCAL_VOC_CLASSES',
           'PERSON_PARTS', 'PascalContextDataset', 'boundaries_from_labels', 'human_parts_from_annotation']
