"""What the tests of the scenes renderer and of its dataset share: a renderer at 32×32."""
import pytest

from mtlreg.datasets.scenes import SceneRenderer

RES = 32


@pytest.fixture(scope='module')
def renderer():
    return SceneRenderer(RES, seed=0)
