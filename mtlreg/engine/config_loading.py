"""Reading a config as the tools do: the file, ``--cfg-options``, validation, each error a message."""
from __future__ import annotations

import os.path as osp

from mmengine.config import Config

from mtlreg.utils.errors import ConfigError
from .config_validation import check_option_keys, validate_config

def load_config(path: str, cfg_options: dict | None = None, validate: bool = True) -> Config:
    """The config at ``path`` with ``cfg_options`` merged in, validated (:mod:`.config_validation`)."""
    if not osp.isfile(path):
        raise ConfigError('config file not found', where=path, expected='a Python config file, e.g. '
                          'configs/adashare/scenes_5task.py', doc='README.md#run-any-config')
    try:
        cfg = Config.fromfile(path)
    except Exception as err:  # noqa: B902 - any failure to read the file (Python or YAML) names it
        raise ConfigError(f'cannot be read: {type(err).__name__}: {err}', where=path,
                          doc='README.md#run-any-config') from err
    if cfg_options:
        check_option_keys(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if validate:
        validate_config(cfg)
    return cfg
