"""Reading a config as the tools do: the file, ``--cfg-options``, validation, each error a message."""
from __future__ import annotations

import json
import os.path as osp

from mmengine.config import Config

from mtlreg.utils.errors import ConfigError
from .config_validation import check_option_keys, validate_config

#: the file in a config tree that maps earlier config names to their current ones
RENAMED_TABLE = 'renamed.json'


def renamed_config(path: str) -> str | None:
    """The current path of a config that was renamed, or None.

    A ``renamed.json`` at the root of the config tree (a folder above ``path``) maps earlier paths,
    relative to that root, to the current ones.
    """
    folder = osp.dirname(osp.abspath(path))
    for _ in range(3):
        table = osp.join(folder, RENAMED_TABLE)
        if osp.isfile(table):
            with open(table, encoding='utf-8') as f:
                current = json.load(f).get(osp.relpath(osp.abspath(path), folder).replace(osp.sep, '/'))
            return None if current is None else osp.relpath(osp.join(folder, current))
        folder = osp.dirname(folder)
    return None


def load_config(path: str, cfg_options: dict | None = None, validate: bool = True) -> Config:
    """The config at ``path`` with ``cfg_options`` merged in, validated (:mod:`.config_validation`)."""
    if not osp.isfile(path):
        current = renamed_config(path)
        if current is not None:
            raise ConfigError('config file not found: the config was renamed', where=path,
                              expected=f'{current} (configs are named method_backbone_data[_variant].py)',
                              doc='README.md#run-any-config')
        raise ConfigError('config file not found', where=path, expected='a Python config file, e.g. '
                          'configs/adashare/adashare_resnet18_scenes-5task.py', doc='README.md#run-any-config')
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
