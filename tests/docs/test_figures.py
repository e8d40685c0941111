"""Figures come from one page: the README quotes docs/results.md; every config and test file a page names exists."""
import glob
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / 'README.md'] + sorted((ROOT / 'docs').rglob('*.md'))
RESULTS = ROOT / 'docs' / 'results.md'

_CONFIG_PATH = re.compile(r'(?<![\w/])configs/[\w{},./*-]+?\.py')
_TEST_PATH = re.compile(r'(?<![\w/])tests/[\w/.-]+?\.py')
#: measured figures: times, test counts, signed percentages, parameter and FLOP counts
_FIGURE = re.compile(r'\d+ min \d+ s|\d+ tests|[−+-]\d+\.\d+ ?%|\d+(?:\.\d+)?M\b')


def expand_braces(pattern: str) -> list[str]:
    """``a{b,c}d`` → ``['abd', 'acd']`` (every brace group, as a shell expands it)."""
    parts = re.split(r'\{([^{}]*)\}', pattern)
    literals, groups = parts[0::2], [p.split(',') for p in parts[1::2]]
    return [''.join(x for pair in itertools.zip_longest(literals, choice, fillvalue='') for x in pair)
            for choice in itertools.product(*groups)]


def test_expand_braces():
    assert expand_braces('configs/{a,b}/x_{1,2}.py') == [
        'configs/a/x_1.py', 'configs/a/x_2.py', 'configs/b/x_1.py', 'configs/b/x_2.py']
    assert expand_braces('configs/a.py') == ['configs/a.py']


def test_every_config_a_page_names_exists():
    missing = []
    for page in PAGES:
        for match in _CONFIG_PATH.finditer(page.read_text()):
            for path in expand_braces(match.group(0)):
                if not glob.glob(str(ROOT / path)):
                    missing.append(f'{page.relative_to(ROOT)}: {path}')
    assert not missing, 'pages name configs that do not exist:\n' + '\n'.join(missing)


def test_every_test_file_a_page_names_exists():
    missing = [f'{page.relative_to(ROOT)}: {match.group(0)}' for page in PAGES
               for match in _TEST_PATH.finditer(page.read_text()) if not (ROOT / match.group(0)).is_file()]
    assert not missing, 'pages name test files that do not exist:\n' + '\n'.join(missing)


def tables(text: str) -> list[list[str]]:
    """Every Markdown table of ``text`` as its lines (header, rule, rows)."""
    found, current = [], []
    for line in text.splitlines() + ['']:
        if line.startswith('|'):
            current.append(line.strip())
        elif current:
            found.append(current)
            current = []
    return found


def test_readme_tables_are_copies_of_results_tables():
    results = {table[0]: table for table in tables(RESULTS.read_text())}
    readme = tables((ROOT / 'README.md').read_text())
    assert readme, 'the README has a results table'
    for table in readme:
        assert table[0] in results, f'README table with header {table[0]!r} is not in docs/results.md'
        assert table == results[table[0]], f'README table {table[0][:60]!r}… differs from docs/results.md'


def test_readme_figures_are_quoted_from_results():
    results = RESULTS.read_text()
    prose = '\n'.join(line for line in (ROOT / 'README.md').read_text().splitlines() if not line.startswith('|'))
    figures = {m.group(0) for m in _FIGURE.finditer(prose)}
    assert figures, 'the README quotes measured figures'
    missing = sorted(f for f in figures if f not in results)
    assert not missing, f'README figures not on docs/results.md: {missing}'
