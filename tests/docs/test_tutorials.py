"""The tutorials run as written: every ```python block of a page, in order, in one fresh namespace."""
import math
import re
import time
from pathlib import Path

import pytest
import torch

from mtlreg.registry import ALL_REGISTRIES

pytestmark = pytest.mark.slow

TUTORIALS = Path(__file__).resolve().parents[2] / 'docs' / 'tutorials'
FENCE = re.compile(r'^```(\S*)[^\n]*\n(.*?)^```[ \t]*$', re.M | re.S)
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
#: a generous bound: each page runs in a few seconds on 2 CPU cores
MAX_SECONDS = 60


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line of the block's first code line, code)`` of every ```python block of ``page``, in order."""
    text = page.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        if match.group(1) == 'python':
            blocks.append((text.count('\n', 0, match.start(2)) + 1, match.group(2)))
    return blocks


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A temporary working directory, one thread, and registries restored to what they held before."""
    saved = {name: dict(registry._module_dict) for name, registry in ALL_REGISTRIES.items()}
    threads = torch.get_num_threads()
    monkeypatch.chdir(tmp_path)
    torch.set_num_threads(1)
    yield tmp_path
    torch.set_num_threads(threads)
    for name, registry in ALL_REGISTRIES.items():
        registry._module_dict.clear()
        registry._module_dict.update(saved[name])


def run_page(name: str) -> dict:
    """Execute the page's python blocks in one namespace; a traceback points at the page's own lines."""
    page = TUTORIALS / name
    blocks = python_blocks(page)
    assert blocks, f'{name} has no python block'
    namespace = {'__name__': '__main__'}
    start = time.perf_counter()
    for line, code in blocks:
        # pad with blank lines so that the compiled code's line numbers are the page's
        exec(compile('\n' * (line - 1) + code, str(page), 'exec'), namespace)
    elapsed = time.perf_counter() - start
    print(f'{name}: {len(blocks)} blocks in {elapsed:.1f} s')
    assert elapsed < MAX_SECONDS, f'{name} took {elapsed:.0f} s; a tutorial should run in seconds'
    return namespace


def finite_metrics(metrics: dict, keys) -> None:
    """Every key is in the metrics, with a finite value."""
    for key in keys:
        assert key in metrics, f'no {key!r} in the test metrics {sorted(metrics)}'
        assert math.isfinite(metrics[key]), f'{key} = {metrics[key]}'


def test_own_dataset(isolated):
    ns = run_page('own_dataset.md')
    finite_metrics(ns['metrics'], ['shape/accuracy', 'height/mae'])
    assert ns['metrics']['shape/accuracy'] > 100 / 3  # the page says: well above chance
    finite_metrics(ns['search_metrics'], ['shape/accuracy', 'height/mae'])
    assert (isolated / 'work_dirs' / 'shapes_shared_bottom' / 'iter_40.pth').is_file()
    assert ns['search_runner'].model.policy.mode == 'fixed'
    assert ns['mask'].dtype == torch.bool and tuple(ns['mask'].shape) == (2, 8)
    alpha = ns['search_runner'].model.policy.search_probabilities()
    assert (alpha - 0.5).abs().max() < 0.05  # the page: still close to the initial 0.5
    assert (isolated / 'work_dirs' / 'shapes_adashare' / 'policy' / 'policy_sample0.json').is_file()


def test_own_method(isolated):
    ns = run_page('own_method.md')
    finite_metrics(ns['metrics'], ['seg/mIoU', 'depth/abs_err', 'normal/mean_angle', 'delta/mean'])
    policy = ns['runner'].model.policy
    assert type(policy) is ns['SigmoidGatePolicy'] and policy.mode == 'fixed'
    mask = ns['mask']
    assert mask.dtype == torch.bool and tuple(mask.shape) == (5, 8)
    assert torch.equal(mask, policy.discretize().cpu())
    searched = policy.search_probabilities()
    initial = torch.sigmoid(torch.tensor(1.0))
    assert not torch.allclose(searched, initial.expand_as(searched))  # the arch steps reached θ
    assert (searched - initial).abs().max() < 0.02 and mask.all()  # as the page says
    assert (isolated / 'work_dirs' / 'sigmoid_gates_scenes' / 'policy' / 'policy_sample0.json').is_file()


@pytest.mark.parametrize('name', ['own_dataset.md', 'own_method.md'])
def test_links_are_relative_and_exist(name):
    page = TUTORIALS / name
    for target in LINK.findall(page.read_text()):
        assert not re.match(r'[a-z]+://', target), f'{name}: absolute link {target}'
        path = target.split('#')[0]
        if path:
            assert (page.parent / path).is_file(), f'{name}: link to a missing file {target}'
