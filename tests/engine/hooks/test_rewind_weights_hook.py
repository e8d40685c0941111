"""Rewinding to the end of a stage that does not come first is refused."""
import pytest

from mtlreg.engine.runner import MultiTaskRunner
from tests.engine.tiny import tiny_dag_cfg


def test_rewind_without_kept_weights_is_a_clear_error(tmp_path):
    cfg = tiny_dag_cfg(tmp_path, warmup=1, search=1, finetune=1)
    cfg.named_hooks.rewind.source_stage = 'search'
    cfg.named_hooks.rewind.stage = 'warmup'
    with pytest.raises(ValueError, match='must come before'):
        MultiTaskRunner.from_cfg(cfg).train()
