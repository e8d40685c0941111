"""Training log lines that say what is running now: the stage by name, the live optimiser, fresh values only."""
from __future__ import annotations

import re

from mmengine.optim import OptimWrapperDict
from mmengine.runner import LogProcessor

from mtlreg.registry import LOG_PROCESSORS

_STAGE_NUMBER = re.compile(r'stage: \d+(\.0+)?  ')


@LOG_PROCESSORS.register_module()
class MultiTaskLogProcessor(LogProcessor):
    """MMEngine's ``LogProcessor`` (same arguments) for staged, multi-optimiser training.

    * the stage is named in the header (``Iter(train) [120/1340]  search  ...``), not numbered;
    * with several optimiser wrappers, only the learning rate of the one the current phase steps
      is printed (TensorBoard still receives all);
    * a scalar that was not updated since the previous log line (a search temperature during
      re-training, say) is left out of the line and of TensorBoard instead of repeating its last value.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._counts: dict[str, int] = {}
        self._stale: set[str] = set()
        self._checked_iter = None

    def get_log_after_iter(self, runner, batch_idx: int, mode: str):
        tag, log_str = super().get_log_after_iter(runner, batch_idx, mode)
        stage = getattr(runner.train_loop, 'stage', None) if mode == 'train' else None
        if stage is not None:
            log_str = _STAGE_NUMBER.sub('', log_str)
            header, sep, rest = log_str.partition(']  ')
            log_str = f'{header}{sep}{stage}  {rest}'
            live = _live_wrapper(runner)
            if live is not None:
                log_str = re.sub(r'(?<!\S)(\w+)\.lr: \S+ +', lambda m: m.group(0) if m.group(1) == live else '',
                                 log_str)
        return tag, log_str

    def _collect_scalars(self, custom_cfg, runner, mode, reserve_prefix=False):
        scalars = super()._collect_scalars(custom_cfg, runner, mode, reserve_prefix)
        if mode != 'train':
            return scalars
        stale = self._stale_keys(runner)
        return {k: v for k, v in scalars.items() if f'train/{k.removeprefix("train/")}' not in stale}

    def _stale_keys(self, runner) -> set[str]:
        """``train/`` scalars with no update since the previous log line (computed once per iteration)."""
        if self._checked_iter == runner.iter:
            return self._stale
        stale = set()
        for key, buffer in runner.message_hub.log_scalars.items():
            if not key.startswith('train/') or key.endswith('lr') or key in ('train/time', 'train/data_time'):
                continue
            count = int(buffer.data[1].sum())
            if self._counts.get(key) == count:
                stale.add(key)
            self._counts[key] = count
        self._stale, self._checked_iter = stale, runner.iter
        return stale


def _live_wrapper(runner) -> str | None:
    """The name of the optimiser wrapper the current phase steps (None with a single wrapper)."""
    if not isinstance(runner.optim_wrapper, OptimWrapperDict):
        return None
    loop = runner.train_loop
    if not hasattr(loop, 'current_stage'):
        return None
    return loop.current_stage.phase_at(loop.stage_iter).optim_wrapper
