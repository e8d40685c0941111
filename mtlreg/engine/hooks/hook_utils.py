"""What the hooks share: finding the model, a submodule of it, where the run is in its stages, rank 0's decisions."""
from __future__ import annotations

import torch
from mmengine.dist import broadcast
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(runner) -> nn.Module:
    """The runner's model without its distributed wrapper."""
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


def model_submodule(runner, module: str) -> nn.Module:
    """``model.<module>`` (e.g. ``'policy'``), or an error naming the missing submodule."""
    try:
        return unwrap_model(runner).get_submodule(module)
    except AttributeError as err:
        raise AttributeError(f'{module!r}: the model has no such submodule') from err


def broadcast_decision(tensor: torch.Tensor) -> torch.Tensor:
    """Rank 0's ``tensor`` on every process of a distributed run (a copy; the tensor itself outside one).

    A decision about the structure (a discrete mask, a kept policy) is taken once and every process
    trains with it. Every process must call it at the same point (a collective).
    """
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()
            and torch.distributed.get_world_size() > 1):
        return tensor
    carried = tensor.detach().to(torch.uint8 if tensor.dtype == torch.bool else tensor.dtype).clone()
    broadcast(carried, src=0)
    return carried.to(tensor.dtype)


def clear_optimizer_states(runner) -> None:
    """Forget every optimiser's state (momenta, Adam moments): the next stage starts afresh."""
    wrappers = runner.optim_wrapper
    for wrapper in (wrappers.optim_wrappers.values() if hasattr(wrappers, 'optim_wrappers') else [wrappers]):
        wrapper.optimizer.state.clear()


def stage_names(runner) -> list[str]:
    """The stage names of a staged training loop (empty for a plain loop)."""
    return [s.name for s in getattr(runner.train_loop, 'stages', [])]


def check_stage(runner, stage: str, owner: str) -> None:
    """Fail with a clear message when ``stage`` is not a stage of the training loop."""
    names = stage_names(runner)
    if stage not in names:
        raise ValueError(f'{owner}: stage {stage!r} is not a stage of train_cfg.stages {names} '
                         '(stages need train_cfg.type="StagedTrainLoop")')


def iteration_in_stage(runner, stage: str | None) -> int | None:
    """The 0-based iteration counted from ``stage``'s start; ``None`` outside it.

    With ``stage=None`` the global iteration is returned.
    """
    if stage is None:
        return runner.iter
    loop = runner.train_loop
    if loop.stage != stage:
        return None
    return loop.stage_iter


def resolve_every(runner, every: int | str, stage: str | None, owner: str) -> int:
    """An interval in iterations; ``'cycle'`` is one cycle of ``stage``'s phases (a "policy epoch")."""
    if every != 'cycle':
        return every
    if stage is None:
        raise ValueError(f"{owner}: every='cycle' needs a stage")
    check_stage(runner, stage, owner)
    return next(s.cycle for s in runner.train_loop.stages if s.name == stage)
