"""The documentation builds without a warning, and its generated reference covers every registry."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / 'docs'



@pytest.fixture(scope='module')
def built_docs(tmp_path_factory):
    out = tmp_path_factory.mktemp('html')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b', 'html',
                             str(DOCS), str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, f'the documentation build failed:\n{result.stderr[-6000:]}'
    return out


def test_build_has_no_warning(built_docs):
    assert (built_docs / 'index.html').is_file()
    assert (built_docs / 'reference' / 'config.html').is_file()


def _directive_categories() -> set[str]:
    categories = set()
    for page in (DOCS / 'reference').glob('*.rst'):
        for match in re.finditer(r'^\.\. mtlreg-registry:: (.+)$', page.read_text(), re.M):
            categories.update(match.group(1).split())
    return categories


def test_every_registry_has_a_reference_page():
    from mtlreg.registry import ALL_REGISTRIES
    assert _directive_categories() == set(ALL_REGISTRIES)


def test_every_registered_module_is_documented_with_its_arguments(built_docs):
    from mtlreg.registry import ALL_REGISTRIES
    from mtlreg.registry import register_all_modules
    register_all_modules()
    html = ''.join(p.read_text() for p in (built_docs / 'reference').glob('*.html'))
    missing = [f'{category}.{name}' for category, registry in ALL_REGISTRIES.items()
               for name, obj in registry.module_dict.items()
               if obj.__module__.startswith('mtlreg.') and f'{obj.__module__}.{obj.__qualname__}' not in html]
    assert not missing, f'not in the generated reference: {missing}'
    # arguments with their defaults, e.g. the evaluator's average_metrics and AdaShare's temperature
    text = re.sub(r'<[^>]+>', '', html)
    assert 'average_metrics: Sequence[str] | None = None' in text
    assert 'temperature: float = 5.0' in text


def test_config_key_tables_describe_every_key():
    sys.path.insert(0, str(DOCS / '_ext'))
    try:
        import mtlreg_reference
    finally:
        sys.path.pop(0)
    from mtlreg.engine.config_validation import MTLREG_KEYS
    from mtlreg.models.multitask_model import TASK_KEYS
    text = '\n'.join(mtlreg_reference.config_keys_rst())
    for key in list(MTLREG_KEYS) + list(TASK_KEYS):
        assert f'``{key}``' in text
    runner_rows = {name: description for name, _, description in mtlreg_reference._runner_arguments()}
    assert {'work_dir', 'train_cfg', 'default_hooks', 'randomness'} <= set(runner_rows)
    assert runner_rows['work_dir'].startswith('The working directory')
