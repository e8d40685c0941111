"""On-disk cache of rendered scenes samples, one ``.npz`` file per scene index."""
from __future__ import annotations

import os
import os.path as osp
import tempfile
from typing import Optional

import numpy as np

#: Keys of a cached sample; 'seg' is stored as uint8 and restored as int64.
CACHED_KEYS = ('img', 'seg', 'depth', 'normal', 'edge', 'keypoint')


class SampleCache:
    """Stores rendered samples under ``root/<name>/<index>.npz``.

    ``name`` should identify everything the arrays depend on (see
    ``SceneRenderer.fingerprint``), so that caches of different settings never
    mix. Files are written to a temporary name and renamed, so concurrent
    writers (data-loader workers, several runs) never expose partial files.

    Args:
        root: Cache directory; created on demand.
        name: Sub-directory identifying the renderer settings.
    """

    def __init__(self, root: str, name: str) -> None:
        self.dir = osp.join(osp.expanduser(root), name)
        os.makedirs(self.dir, exist_ok=True)

    def path(self, index: int) -> str:
        """Computes the file path of a scene index."""
        return osp.join(self.dir, f'{index:07d}.npz')

    def load(self, index: int) -> Optional[dict]:
        """Reads the sample of ``index``; None when it is not cached (or the file is unreadable)."""
        path = self.path(index)
        if not osp.exists(path):
            return None
        try:
            with np.load(path) as data:
                sample = {key: data[key] for key in CACHED_KEYS}
        except (OSError, KeyError, ValueError, EOFError):
            return None
        sample['seg'] = sample['seg'].astype(np.int64)
        return sample

    def save(self, index: int, sample: dict) -> None:
        """Writes the image and labels of a sample atomically."""
        arrays = {key: sample[key] for key in CACHED_KEYS}
        arrays['seg'] = arrays['seg'].astype(np.uint8)
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix='.npz.tmp')
        try:
            with os.fdopen(fd, 'wb') as f:
                np.savez(f, **arrays)
            os.replace(tmp, self.path(index))
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
