"""A config's model with a trained checkpoint's weights, for the tools that compile and time it."""
from __future__ import annotations

import os.path as osp

from mmengine.config import Config

from mtlreg.engine.config_loading import load_config
from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots, set_work_dir
from mtlreg.engine.runner import resolve_task_config
from mtlreg.engine.runner.checkpoint_loading import check_matches, load_checkpoint_file, state_dict_of
from mtlreg.utils.errors import CheckpointError
from mtlreg.registry import DATASETS, MODELS, register_all_modules


def load_trained_model(config: str, checkpoint: str, cfg_options: dict | None = None,
                       data_roots: list[str] | None = None, trust_checkpoint: bool = False):
    """``(resolved config, model in eval mode)`` with the checkpoint's weights and policy state.

    The runner's trust model: tensors and plain containers only unless ``trust_checkpoint``; a
    checkpoint that does not match the config's model is refused, naming the first mismatched keys.
    """
    register_all_modules()
    cfg = load_config(config, cfg_options)
    if not osp.isfile(checkpoint):
        raise CheckpointError('file not found', where=checkpoint, expected='a checkpoint written by tools/train.py')
    set_work_dir(cfg, config, None)
    if data_roots:
        remap_data_roots(cfg, parse_data_roots(data_roots))
    cfg = resolve_task_config(cfg)
    model = MODELS.build(cfg.model)
    state = state_dict_of(load_checkpoint_file(checkpoint, trusted=trust_checkpoint or
                                               bool(cfg.get('trust_checkpoint', False))))
    check_matches(model, state, checkpoint)
    model.load_state_dict(state)
    return cfg, model.eval()


def first_test_input_shape(cfg: Config) -> tuple[int, ...]:
    """``(C, H, W)`` of the config's first test input."""
    return tuple(DATASETS.build(cfg.test_dataloader.dataset)[0]['inputs'].shape)
