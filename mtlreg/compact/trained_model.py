"""A config's model with a trained checkpoint's weights, for the tools that compile and time it."""
from __future__ import annotations

import os
import os.path as osp

from mmengine.config import Config

from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots, set_work_dir
from mtlreg.engine.runner import resolve_task_config
from mtlreg.engine.runner.multitask_runner import load_checkpoint_file
from mtlreg.registry import DATASETS, MODELS
from mtlreg.utils import register_all_modules


def load_trained_model(config: str, checkpoint: str, cfg_options: dict | None = None,
                       data_roots: list[str] | None = None, trust_checkpoint: bool = False):
    """``(resolved config, model in eval mode)`` with the checkpoint's weights and policy state.

    A checkpoint inside the config's work dir is loaded in full; one from elsewhere only as tensors
    unless ``trust_checkpoint`` (the runner's trust model). Keys that do not match are an error.
    """
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path!r}')
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    set_work_dir(cfg, config, None)
    if data_roots:
        remap_data_roots(cfg, parse_data_roots(data_roots))
    trusted = trust_checkpoint or osp.realpath(checkpoint).startswith(osp.realpath(cfg.work_dir) + os.sep)
    cfg = resolve_task_config(cfg)
    model = MODELS.build(cfg.model)
    state = load_checkpoint_file(checkpoint, trusted=trusted)
    state = state.get('state_dict', state)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f'{checkpoint!r} does not match the config\'s model: missing keys {missing[:5]}, '
                         f'unexpected keys {unexpected[:5]}')
    return cfg, model.eval()


def first_test_input_shape(cfg: Config) -> tuple[int, ...]:
    """``(C, H, W)`` of the config's first test input."""
    return tuple(DATASETS.build(cfg.test_dataloader.dataset)[0]['inputs'].shape)
