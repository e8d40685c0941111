"""Compact models of every method export to ONNX and give the same outputs in onnxruntime."""
import pytest
import torch

from mtlreg.models.compact import compile_model
from mtlreg.apis.onnx_export import export_onnx, onnxruntime_outputs
from tests.models.compact.test_dag import MASKS as DAG_MASKS
from tests.models.compact.test_dag import _model as dag_model
from tests.models.compact.test_modular import MASKS as MODULAR_MASKS
from tests.models.compact.test_modular import _model as modular_model
from tests.models.compact.test_fused_components import fusable_model
from tests.models.compact.test_sequential import MASKS as SEQUENTIAL_MASKS
from tests.models.compact.test_sequential import _model as sequential_model

CASES = {
    'sequential': lambda: (sequential_model(SEQUENTIAL_MASKS['a stage skipped entirely']), (3, 32, 32)),
    'modular': lambda: (modular_model(MODULAR_MASKS['a layer with no active component']), (1, 16, 16)),
    'modular, fused components': lambda: fusable_model('conv'),
    'dag': lambda: (dag_model(DAG_MASKS['shared prefix, early exit, skip']), (3, 16, 16)),
}


@pytest.mark.parametrize('kind', list(CASES))
def test_onnxruntime_gives_the_compact_models_outputs(kind, tmp_path):
    model, shape = CASES[kind]()
    compact = compile_model(model)
    path = str(tmp_path / 'compact.onnx')
    export_onnx(compact, torch.randn(2, *shape), path)
    x = torch.randn(2, *shape)
    got = onnxruntime_outputs(path, x)
    assert list(got) == compact.task_names
    with torch.no_grad():
        expected = compact(x)
    for task in compact.task_names:
        torch.testing.assert_close(torch.from_numpy(got[task]), expected[task], rtol=1e-4, atol=1e-4)
