"""The compact multi-task model: a discrete policy compiled into a network that runs only what tasks use."""
from __future__ import annotations

import copy
import json
import os
import os.path as osp
from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import BACKBONES, HEADS, register_all_modules
from mtlreg.utils.atomic_io import torch_save_atomic, write_json_atomic

#: Files of a saved compact model.
CONFIG_FILE, WEIGHTS_FILE = 'compact.json', 'compact.pth'


class CompactMultiTaskModel(nn.Module):
    """A plain ``nn.Module``: the compiled backbone and the task heads.

    ``forward(x)`` returns every task's raw head output (logits, maps at the
    input resolution) from one call; ``forward(x, tasks=[...])`` computes only
    what those tasks need. In eval mode the outputs equal the gated supernet's
    under the same discrete policy.
    """

    def __init__(self, backbone: nn.Module, heads: dict[str, nn.Module]):
        super().__init__()
        self.backbone = backbone
        self.heads = nn.ModuleDict(heads)
        self.task_names = list(heads)

    def forward(self, x: torch.Tensor, tasks: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        tasks = self.task_names if tasks is None else list(tasks)
        features = self.backbone(x, tasks)
        size = tuple(x.shape[-2:])
        return {t: self.heads[t](features[t], size) for t in tasks}


def compile_model(model: nn.Module, mask: torch.Tensor | None = None) -> CompactMultiTaskModel:
    """Compile a ``MultiTaskModel`` under its policy's discrete mask (or ``mask``) into a compact model.

    The backbone compiles itself (``GatedBackbone.compile_compact``): ResNet as a chain of skippable
    blocks (AdaShare), the modular network as layers of components (Gumbel-Matrix), the DAG network as a
    graph of states (after reduction).
    """
    backbone = getattr(model, 'backbone', None)
    if backbone is None:
        raise TypeError(f'compile_model: {type(model).__name__} has no single shared backbone to compile')
    mask = model.policy.discretize() if mask is None else torch.as_tensor(mask).bool()
    compact = compile_backbone(backbone, mask, model.task_names)
    heads = {t: copy.deepcopy(model.heads[t]) for t in model.task_names}
    return CompactMultiTaskModel(compact, heads).eval()


def can_compile(backbone: nn.Module) -> bool:
    """Whether the backbone implements ``compile_compact``."""
    return bool(getattr(backbone, 'compilable', False))


def compile_backbone(backbone: nn.Module, mask: torch.Tensor, task_names: Sequence[str],
                     copy_modules: bool = True) -> nn.Module:
    """The compact backbone for a discrete mask: ``backbone.compile_compact``, or a clear error."""
    if not can_compile(backbone):
        raise NotImplementedError(f'compile_model: {type(backbone).__name__} does not describe a compact execution '
                                  '(it needs to implement GatedBackbone.compile_compact)')
    return backbone.compile_compact(torch.as_tensor(mask), task_names, copy_modules)


def save_compact_model(model: nn.Module, directory: str, model_cfg: dict, mask: torch.Tensor | None = None) -> str:
    """Compile ``model`` and save it: ``compact.json`` (how to rebuild it) and ``compact.pth`` (its weights).

    ``model_cfg`` is the model's config (``backbone`` and ``tasks`` with their
    heads). Both files are written through temporary files renamed into place.
    """
    mask = model.policy.discretize() if mask is None else torch.as_tensor(mask).bool()
    compact = compile_model(model, mask)
    backbone_cfg = dict(copy.deepcopy(model_cfg['backbone']))
    backbone_cfg.pop('pretrained', None)  # the weights come with the compact model
    record = {'format': 1, 'tasks': list(model.task_names), 'backbone': backbone_cfg,
              'heads': {t: dict(model_cfg['tasks'][t]['head']) for t in model.task_names},
              'mask': mask.reshape(len(model.task_names), -1).int().tolist()}
    os.makedirs(directory, exist_ok=True)
    torch_save_atomic(compact.state_dict(), osp.join(directory, WEIGHTS_FILE))
    write_json_atomic(osp.join(directory, CONFIG_FILE), _plain(record))
    return directory


def load_compact_model(directory: str) -> CompactMultiTaskModel:
    """Rebuild a saved compact model (no runner, config system, policy or losses involved)."""
    path = osp.join(directory, CONFIG_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'load_compact_model: no {CONFIG_FILE} in {directory!r} (written by tools/export.py)')
    with open(path) as f:
        record = json.load(f)
    register_all_modules()
    backbone = BACKBONES.build(record['backbone'])
    heads = {t: HEADS.build(cfg, default_args=dict(in_channels=backbone.out_channels))
             for t, cfg in record['heads'].items()}
    mask = torch.tensor(record['mask'], dtype=torch.bool).reshape(len(record['tasks']), *backbone.unit_grid)
    compact = compile_backbone(backbone, mask, record['tasks'])
    model = CompactMultiTaskModel(compact, heads)
    state = torch.load(osp.join(directory, WEIGHTS_FILE), map_location='cpu', weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def _plain(obj):
    """Config dicts as plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
