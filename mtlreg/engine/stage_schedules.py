"""Parameter schedulers that count their ``begin`` and ``end`` from the start of a training stage.

MMEngine's schedulers take global iterations. In a :class:`~mtlreg.engine.staged_train_loop.StagedTrainLoop`
a schedule usually belongs to one stage (the re-training's warm-up and cosine decay), so its global
``begin`` and ``end`` are sums of the earlier stages' lengths, and every config that changes a stage's
length has to restate them. An entry with ``stage='retrain'`` instead counts from that stage's first
iteration: ``begin`` defaults to 0 and ``end`` to the stage's length, and the runner adds the stage's
start before MMEngine builds the scheduler::

    param_scheduler = dict(retrain=[
        dict(type='LinearLR', start_factor=0.1, stage='retrain', end=100),
        dict(type='CosineAnnealingLR', stage='retrain', begin=100, eta_min=1e-5)])

Such a schedule counts iterations (``by_epoch=False``, the default for it). When a stage is shortened (a
quick run) an entry that would begin after the stage's end is left out, and one that would end after it
keeps its length, as the same schedule in global iterations would.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from mtlreg.utils.errors import ConfigError

DOC = 'docs/stages.md#optimisers-per-parameter-group'


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _resolve_entry(entry, where: str, starts: Mapping[str, tuple[int, int]] | None):
    """One scheduler config with ``stage`` replaced by global ``begin``/``end``; anything else unchanged."""
    if not isinstance(entry, Mapping) or 'stage' not in entry:
        return entry
    entry = dict(entry)
    name = entry.pop('stage')
    if starts is None:
        raise ConfigError(f'names the stage {name!r}, but the training loop has no stages', where=f'{where}.stage',
                          expected="train_cfg.type='StagedTrainLoop', or global begin/end without stage", doc=DOC)
    if name not in starts:
        raise ConfigError(f'is {name!r}, not a stage of train_cfg.stages', where=f'{where}.stage',
                          expected=f'one of {list(starts)}', doc=DOC)
    start, length = starts[name]
    if entry.get('by_epoch', False):
        raise ConfigError('counts epochs, but a stage counts iterations', where=f'{where}.by_epoch',
                          expected='by_epoch=False (the default with stage=...)', doc=DOC)
    entry['by_epoch'] = False
    begin = entry.get('begin', 0)
    if not (_is_int(begin) and begin >= 0):
        raise ConfigError(f'begin={begin!r} is not an iteration of stage {name!r}', where=f'{where}.begin',
                          expected="an integer >= 0, counted from the stage's first iteration", doc=DOC)
    if begin >= length:
        return None  # a shortened stage (a quick run) ends before this scheduler would start
    end = entry.get('end', length)
    if not (_is_int(end) and end > begin):
        raise ConfigError(f'end={end!r} does not follow begin={begin}', where=f'{where}.end',
                          expected=f"an integer > {begin}, counted from the stage's first iteration "
                                   f"(default: the stage's length, {length})", doc=DOC)
    entry['begin'], entry['end'] = start + begin, start + end
    return entry


def _resolve_list(entries, where: str, starts):
    if isinstance(entries, Sequence) and not isinstance(entries, (str, bytes)):
        resolved = [_resolve_entry(e, f'{where}[{i}]', starts) for i, e in enumerate(entries)]
        return [entry for entry in resolved if entry is not None]
    if not isinstance(entries, Mapping) or 'stage' not in entries:
        return entries
    entry = _resolve_entry(entries, where, starts)
    return [] if entry is None else entry


def stage_bounds(stages) -> dict[str, tuple[int, int]]:
    """``{stage name: (global start, length)}`` of parsed :class:`Stage` objects, in running order."""
    bounds, start = {}, 0
    for stage in stages:
        bounds[stage.name] = (start, stage.iters)
        start += stage.iters
    return bounds


def resolve_stage_schedules(param_scheduler, stages=None, where: str = 'param_scheduler'):
    """``param_scheduler`` with each stage-relative entry replaced by a copy with global ``begin``/``end``.

    The input is not changed; entries without ``stage`` are passed on as they are.

    Args:
        param_scheduler: a scheduler config, a list of them, or a dict of such lists keyed by
            optimiser wrapper name (what MMEngine's runner accepts); built schedulers pass through.
        stages: the training loop's parsed stages, or None when it has none (then an entry that
            names a stage is an error).
        where: the config key, for error messages.

    Raises:
        ConfigError: an unknown stage, ``by_epoch=True``, a negative ``begin`` or an ``end`` not after it.
    """
    starts = None if stages is None else stage_bounds(stages)
    if isinstance(param_scheduler, Mapping) and 'type' not in param_scheduler:
        return {key: _resolve_list(value, f'{where}.{key}', starts)
                for key, value in param_scheduler.items()}
    return _resolve_list(param_scheduler, where, starts)
