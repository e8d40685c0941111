"""The tests mirror the package: tests/a/b/test_c.py tests mtlreg/a/b/c.py (or the package mtlreg/a/b/c/)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS, PACKAGE = ROOT / 'tests', ROOT / 'mtlreg'
#: folders of tests that run the project end to end (configs, tools, docs, engine flows), not one module
INTEGRATION = ('configs', 'docs', 'integration', 'tools')

#: modules without a test file of their own (their behaviour is checked through the modules that use them).
#: Only ever shorter: a new module gets tests/<its folder>/test_<its name>.py, or is listed here on purpose.
UNMIRRORED = '''
apis/trained_model.py
datasets/dataset_layout.py
datasets/scenes/cache.py
datasets/scenes/geometry.py
datasets/scenes/labels.py
datasets/scenes/layout.py
datasets/scenes/textures.py
datasets/transforms/base.py
engine/dist.py
engine/hooks/model_summary_hook.py
engine/hooks/policy_mode_hook.py
engine/hooks/policy_visualization_hook.py
engine/hooks/stage_hook.py
engine/hooks/task_data_check_hook.py
engine/model_wrapper.py
engine/nonfinite.py
engine/runner/checkpoint_codec.py
engine/runner/checkpoint_loading.py
engine/runner/random_state.py
evaluation/metrics/regression_metric.py
grouping/costs.py
grouping/report.py
models/backbones/task_conditioned.py
models/balancers/static.py
models/compact/cloning.py
models/compact/model.py
models/compact/report.py
models/heads/identity.py
structures/policy_file.py
testing/examples.py
testing/runner_test_case.py
testing/tiny_config.py
utils/crash_points.py
utils/errors.py
utils/plugins.py
utils/registry_base.py
utils/setup_env.py
visualization/graph_plot.py
visualization/grouping_plot.py
'''.split()


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob('test_*.py') if '__pycache__' not in p.parts)


def _mirrored(test_file: Path) -> Path:
    """``tests/a/b/test_c.py`` → ``a/b/c`` (relative to the package)."""
    rel = test_file.relative_to(TESTS)
    return rel.parent / rel.name[len('test_'):-len('.py')]


def test_every_test_file_mirrors_a_module_or_package():
    unit_tests = [p for p in _test_files()
                  if len(p.relative_to(TESTS).parts) > 1 and p.relative_to(TESTS).parts[0] not in INTEGRATION]
    strays = [str(p.relative_to(ROOT)) for p in unit_tests
              if not (PACKAGE / _mirrored(p)).with_suffix('.py').is_file() and not (PACKAGE / _mirrored(p)).is_dir()]
    assert not strays, ('test files that mirror no module or package of mtlreg (tests/a/b/test_c.py tests '
                        'mtlreg/a/b/c.py or mtlreg/a/b/c/; end-to-end tests go to tests/integration):\n'
                        + '\n'.join(strays))


def test_the_modules_without_a_mirrored_test_are_the_listed_ones():
    mirrored = {f'{_mirrored(p).as_posix()}.py' for p in _test_files()}
    modules = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob('*.py')
                     if p.name != '__init__.py' and '__pycache__' not in p.parts)
    unmirrored = [m for m in modules if m not in mirrored]
    new = sorted(set(unmirrored) - set(UNMIRRORED))
    done = sorted(set(UNMIRRORED) - set(unmirrored))
    assert not new, ('modules without a test file of their own; add tests/<folder>/test_<module>.py, '
                     'or list them in UNMIRRORED:\n' + '\n'.join(new))
    assert not done, 'modules of UNMIRRORED that are gone or now have a test file; remove them:\n' + '\n'.join(done)
    assert UNMIRRORED == sorted(UNMIRRORED), 'keep UNMIRRORED sorted'
