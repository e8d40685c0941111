"""The import layers of docs/architecture.md hold: import-linter checks the contracts in .importlinter."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_layer_contracts_are_kept():
    lint = os.path.join(os.path.dirname(sys.executable), 'lint-imports')
    result = subprocess.run([lint, '--config', os.path.join(ROOT, '.importlinter'), '--no-cache'],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert 'Contracts: 1 kept, 0 broken.' in result.stdout
