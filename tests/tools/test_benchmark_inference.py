"""The inference benchmark's variants compute the same predictions (official-style supernet vs compact)."""

import torch

from mtlreg.models.compact import compile_model
from tests.models.compact.test_dag import MASKS as DAG_MASKS
from tests.models.compact.test_dag import _model as dag_model
from tests.models.compact.test_modular import MASKS as MODULAR_MASKS
from tests.models.compact.test_modular import _model as modular_model
from tests.models.compact.test_sequential import MASKS as SEQUENTIAL_MASKS
from tests.models.compact.test_sequential import _model as sequential_model
from tests.tools.tool_module import load_tool

benchmark = load_tool('analysis/benchmark_inference.py')


def test_every_variant_of_the_policy_gives_the_compact_models_predictions():
    for model, x in ((sequential_model(SEQUENTIAL_MASKS['a stage skipped entirely']), torch.randn(1, 3, 32, 32)),
                     (modular_model(MODULAR_MASKS['a layer with no active component']), torch.randn(1, 1, 16, 16)),
                     (dag_model(DAG_MASKS['a state without inputs feeding an edge']), torch.randn(1, 3, 16, 16))):
        compact = compile_model(model)
        runs = benchmark.variants(model, compact, x)
        with torch.no_grad():
            expected = compact(x)
            for name in ('(a) gated supernet, official style', '(b) per-task passes that skip'):
                got = runs[name]()
                for task, value in expected.items():
                    torch.testing.assert_close(got[task], value, rtol=0, atol=1e-5, msg=name)
        costs = {name: benchmark.flops(fn) for name, fn in runs.items()}
        assert costs['(c) compact shared-prefix model'] <= costs['(b) per-task passes that skip'] \
            <= costs['(a) gated supernet, official style']
