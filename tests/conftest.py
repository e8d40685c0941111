import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
os.environ.setdefault('HF_HUB_OFFLINE', '1')

import pytest  # noqa: E402
import torch  # noqa: E402

from mtlreg.registry import register_all_modules  # noqa: E402

register_all_modules()
# two workers share the two cores (pytest -n 2: one thread each); a single run uses both
torch.set_num_threads(1 if os.environ.get('PYTEST_XDIST_WORKER') else 2)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get('MTLREG_SHARED_DATA', os.path.join(os.path.dirname(REPO), 'shared', 'data'))


@pytest.fixture
def repo_root():
    return REPO
