"""Reading checkpoints safely and checking them against the model they are loaded into.

Trust model: a checkpoint is unpickled with ``torch.load(weights_only=True)`` (tensors and plain
containers only: nothing in it can run code) unless the user names the file as trusted
(``trust_checkpoint=True``, ``--trust-checkpoint``). mtlreg writes its own checkpoints in that plain
form (:mod:`.checkpoint_codec`), so they never need the switch. Where a file lies does not make it
trusted.
"""
from __future__ import annotations

import os.path as osp
import pickle
import re

import torch
from torch import nn

from mtlreg.utils.errors import CheckpointError
from .checkpoint_codec import decode

#: how many mismatched keys an error lists
SHOWN_KEYS = 5


class UnreadableCheckpointError(CheckpointError):
    """A checkpoint file that is truncated, empty or not a checkpoint at all."""


def load_checkpoint_file(filename: str, map_location='cpu', trusted: bool = False) -> dict:
    """The checkpoint dict in ``filename``; only tensors and plain containers unless ``trusted``.

    Raises:
        CheckpointError: the file is missing, holds Python objects that loading would have to
            execute (and ``trusted`` is False), or is not a dict.
        UnreadableCheckpointError: the file is truncated, empty or corrupt.
    """
    if not osp.isfile(filename):
        raise CheckpointError('file not found', where=filename, expected='a checkpoint written by tools/train.py')
    try:
        checkpoint = torch.load(filename, map_location=map_location, weights_only=not trusted)
    except pickle.UnpicklingError as err:
        blocked = re.search(r'GLOBAL (\S+)', str(err))
        if blocked is None:
            raise UnreadableCheckpointError(f'cannot be read: not a checkpoint, or corrupt ({_first_line(err)})',
                                            where=filename) from err
        raise CheckpointError(
            f'holds a pickled Python object ({blocked.group(1)}) that loading would have to execute; '
            'mtlreg loads tensors and plain containers only', where=filename,
            hint='if you trust this file and where it came from, pass --trust-checkpoint '
                 '(or set trust_checkpoint=True in the config)') from err
    except (RuntimeError, EOFError, OSError, ValueError, IndexError, KeyError, AttributeError, TypeError) as err:
        raise UnreadableCheckpointError(
            f'cannot be read: truncated, empty or corrupt ({_first_line(err) or type(err).__name__})',
            where=filename) from err
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'holds a {type(checkpoint).__name__}', where=filename,
                              expected='a dict (a checkpoint, or a state dict)')
    return decode(checkpoint)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else ''


def state_dict_of(checkpoint: dict) -> dict:
    """The model weights of a checkpoint (or the checkpoint itself if it is a plain state dict)."""
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def mismatches(model: nn.Module, state: dict) -> tuple[list[str], list[str], list[str]]:
    """``(missing, unexpected, shape mismatches)`` of ``state`` against ``model.state_dict()``."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k} (checkpoint {tuple(state[k].shape)}, model {tuple(own[k].shape)})' for k in own
              if k in state and isinstance(state[k], torch.Tensor) and tuple(state[k].shape) != tuple(own[k].shape)]
    return missing, unexpected, shapes


def check_matches(model: nn.Module, state: dict, filename: str, allow_partial: bool = False) -> None:
    """Refuse a checkpoint whose weights do not fit the model, listing the first mismatched keys.

    With ``allow_partial`` (``allow_partial_load=True``, ``--allow-partial-load``, for fine-tuning)
    missing and unexpected keys are allowed; shape mismatches never are.
    """
    missing, unexpected, shapes = mismatches(model, state)
    problems = [] if allow_partial else [
        f'{len(missing)} missing keys, e.g. {missing[:SHOWN_KEYS]}' if missing else '',
        f'{len(unexpected)} unexpected keys, e.g. {unexpected[:SHOWN_KEYS]}' if unexpected else '']
    if shapes:
        problems.append(f'{len(shapes)} keys of another shape, e.g. {shapes[:SHOWN_KEYS]}')
    problems = [p for p in problems if p]
    if problems:
        raise CheckpointError(
            "does not match the config's model: " + '; '.join(problems), where=filename,
            expected='a checkpoint of this config (the same model, tasks and backbone)',
            hint='to load the matching weights only (fine-tuning), pass --allow-partial-load '
                 '(or set allow_partial_load=True in the config)')
