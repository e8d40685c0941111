"""DomainNet (Peng et al., ICCV 2019): one visual domain per task, 345 object classes each."""
from __future__ import annotations

import os.path as osp
from typing import Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mtlreg.registry import DATASETS

from .dataset_layout import layout_hint, read_png, require_dir, require_file, resolve_root

#: The six domains, in the task order of AdaShare's DomainNet configuration.
DOMAINNET_DOMAINS = ('real', 'painting', 'quickdraw', 'clipart', 'infograph', 'sketch')
#: Classes of every domain.
DOMAINNET_NUM_CLASSES = 345
DOMAINNET_SPLITS = ('train', 'test')

DOMAINNET_LAYOUT = """\
  data/domainnet/
    clipart_train.txt          one line per image: '<domain>/<class>/<file> <label>', labels 0..344
    clipart_test.txt
    ...                        <domain>_train.txt and <domain>_test.txt of each of the six domains
    clipart/aircraft_carrier/clipart_001_000018.jpg
    ...                        <domain>/<class>/<file> as the split files list them"""


def read_split_file(path: str, dataset: str = 'DomainNetDataset') -> list[tuple[str, int]]:
    """Reads a DomainNet split file: ``(relative image path, label)`` per non-empty line.

    Raises:
        ValueError: Naming the file and line whose format is not ``<path> <integer label>``.
    """
    entries = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip('-').isdigit() or int(fields[1]) < 0:
                raise ValueError(f'{dataset}: line {number} of {path!r} is {line.strip()!r}; expected '
                                 "'<domain>/<class>/<file> <label>' with a non-negative integer label")
            entries.append((fields[0], int(fields[1])))
    return entries


@DATASETS.register_module()
class DomainNetDataset(BaseDataset):
    """One DomainNet domain as an image-classification task over its 345 classes.

    Reads the official split lists of the cleaned release
    (``<domain>_train.txt``, ``<domain>_test.txt``; see
    :data:`DOMAINNET_LAYOUT`): each line gives an image path relative to the
    root and its class id, which is taken as stored (the lists number the
    classes alphabetically, ignoring case, ``_`` and ``-``). Class names in
    ``metainfo['classes']`` are read off the paths (the folder above each
    file); a class absent from a list (painting's training list lacks
    ``t-shirt``) is named ``'class<id>'``.

    A fetched item holds ``img`` (uint8 HxWx3 RGB), the class id under the key
    ``label`` (the task's name in a multi-task config), ``label_types``,
    ``sample_idx`` and ``img_path``. Images are read when fetched.

    Args:
        root: Folder holding the split files and the domain folders. Defaults
            to ``data/domainnet``.
        domain: One of :data:`DOMAINNET_DOMAINS`.
        split: ``'train'`` or ``'test'``.
        label: Key of the class id in a sample. Defaults to the domain's name.
        pipeline: Transforms applied to each sample.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset``; ``data_root``
            is accepted as another name of ``root``.

    Raises:
        FileNotFoundError: If the root or the split file is missing (at
            construction) or a listed image is missing (when fetched).
        ValueError: On an unknown domain or split, a malformed line or a
            label outside 0..344.
    """

    #: None: building an example needs files on disk (tests/datasets covers it with fake files)
    example_args = None

    METAINFO = dict(classes=())

    def __init__(self, root: str = 'data/domainnet', domain: str = 'real', split: str = 'train',
                 label: str | None = None, pipeline: Sequence = (), **kwargs) -> None:
        name = 'DomainNetDataset'
        root = resolve_root(root, kwargs, 'data/domainnet', name)
        if domain not in DOMAINNET_DOMAINS:
            raise ValueError(f'{name}: unknown domain {domain!r}; expected one of {list(DOMAINNET_DOMAINS)}')
        if split not in DOMAINNET_SPLITS:
            raise ValueError(f'{name}: unknown split {split!r}; the release has the splits {list(DOMAINNET_SPLITS)}')
        require_dir(root, name, DOMAINNET_LAYOUT)
        index = osp.join(root, f'{domain}_{split}.txt')
        require_file(index, name, DOMAINNET_LAYOUT, what='split file')
        self.root, self.domain, self.split = root, domain, split
        self.label = label or domain
        self.entries = read_split_file(index, name)
        if not self.entries:
            raise ValueError(f'{name}: split file {index!r} lists no images. {layout_hint(DOMAINNET_LAYOUT)}')
        names = {}
        for path, cls in self.entries:
            if cls >= DOMAINNET_NUM_CLASSES:
                raise ValueError(f'{name}: {index!r} gives {path!r} the label {cls}; DomainNet has '
                                 f'{DOMAINNET_NUM_CLASSES} classes (0..{DOMAINNET_NUM_CLASSES - 1})')
            parts = path.replace('\\', '/').split('/')
            names.setdefault(cls, parts[-2] if len(parts) >= 2 else f'class{cls}')
        classes = tuple(names.get(c, f'class{c}') for c in range(DOMAINNET_NUM_CLASSES))
        metainfo = dict(classes=classes, **(kwargs.pop('metainfo', None) or {}))
        super().__init__(ann_file='', data_root=root, metainfo=metainfo, pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> list:
        """One entry per listed image: its path and class id."""
        return [{'file': path, self.label: cls} for path, cls in self.entries]

    def get_data_info(self, idx: int) -> dict:
        """Returns the sample at ``idx`` with its image read."""
        info = super().get_data_info(idx)
        path = osp.join(self.root, info.pop('file'))
        info['img'] = np.ascontiguousarray(read_png(path, 'DomainNetDataset', f'{idx} of {self.domain} {self.split}',
                                                    mode='RGB'))
        info['img_path'] = path
        info['label_types'] = {self.label: 'class'}
        return info


__all__ = ['DOMAINNET_DOMAINS', 'DOMAINNET_NUM_CLASSES', 'DomainNetDataset', 'read_split_file']
