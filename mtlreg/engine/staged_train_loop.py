"""Training in named stages, each a cycle of phases (dataloader, optimiser wrapper, iterations)."""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from mtlreg.registry import LOOPS
from mtlreg.utils.errors import ConfigError
from mtlreg.engine.runner.random_state import set_random_state


@dataclass(frozen=True)
class Phase:
    """``iters`` consecutive steps of ``optim_wrapper`` on batches of ``dataloader``."""
    dataloader: str = 'train'
    optim_wrapper: str | None = None
    iters: int = 1


@dataclass(frozen=True)
class Stage:
    """A named stage: ``iters`` iterations cycling through ``phases``; validation every ``val_interval``."""
    name: str
    iters: int
    phases: tuple[Phase, ...] = field(default=(Phase(),))
    val_interval: int = 0

    @property
    def cycle(self) -> int:
        return sum(p.iters for p in self.phases)

    def phase_at(self, stage_iter: int) -> Phase:
        """The phase of the stage's ``stage_iter``-th iteration."""
        r = stage_iter % self.cycle
        for phase in self.phases:
            if r < phase.iters:
                return phase
            r -= phase.iters
        raise AssertionError('unreachable')


def parse_stages(stages: dict | list) -> list[Stage]:
    """Validate ``train_cfg.stages`` and name what is wrong.

    ``stages`` is a dict ``{name: dict(iters, phases, val_interval)}`` in
    running order (inheriting configs then change one stage's values by name),
    or a list of such dicts with a ``name`` key each.
    """
    if isinstance(stages, dict):
        stages = [dict(cfg, name=name) if isinstance(cfg, dict) else cfg for name, cfg in stages.items()]
    if not isinstance(stages, (list, tuple)) or not stages:
        raise ConfigError('train_cfg.stages: expected a non-empty dict {name: dict(iters=..., phases=[...])} '
                          'or list of dict(name=..., iters=..., phases=[...])')
    parsed, names = [], set()
    for i, cfg in enumerate(stages):
        where = f'train_cfg.stages[{i}]'
        if not isinstance(cfg, dict):
            raise ConfigError(f'{where}: expected a dict, got {type(cfg).__name__}')
        unknown = set(cfg) - {'name', 'iters', 'phases', 'val_interval'}
        if unknown:
            raise ConfigError(f'{where}: unknown keys {sorted(unknown)}; allowed are name, iters, phases, val_interval')
        name, iters = cfg.get('name'), cfg.get('iters')
        if not isinstance(name, str) or not name:
            raise ConfigError(f'{where}.name: expected a non-empty string, got {name!r}')
        if name in names:
            raise ConfigError(f'{where}.name: stage {name!r} appears twice')
        names.add(name)
        if not isinstance(iters, int) or iters < 1:
            raise ConfigError(f'{where}.iters ({name}): expected a positive int, got {iters!r}')
        phases = []
        for j, phase in enumerate(cfg.get('phases') or [dict()]):
            unknown = set(phase) - {'dataloader', 'optim_wrapper', 'iters'}
            if unknown:
                raise ConfigError(f'{where}.phases[{j}]: unknown keys {sorted(unknown)}; '
                                  'allowed are dataloader, optim_wrapper, iters')
            phase = Phase(**phase)
            if not isinstance(phase.iters, int) or phase.iters < 1:
                raise ConfigError(f'{where}.phases[{j}].iters: expected a positive int, got {phase.iters!r}')
            phases.append(phase)
        val_interval = cfg.get('val_interval', 0) or 0
        if not isinstance(val_interval, int) or val_interval < 0:
            raise ConfigError(f'{where}.val_interval: expected an int >= 0, got {val_interval!r}')
        parsed.append(Stage(name, iters, tuple(phases), val_interval))
    return parsed


@LOOPS.register_module()
class StagedTrainLoop(IterBasedTrainLoop):
    """Iteration-based training in named stages (warm-up → search → re-train, or any other list).

    The DESIGN's "training is a sequence of stages": each stage runs ``iters``
    iterations, cycling through its phases; a phase steps one optimiser wrapper
    (a name of the ``OptimWrapperDict`` built by
    :class:`~mtlreg.engine.optim_constructor.ArchitectureOptimWrapperConstructor`, or ``None``
    for a single wrapper) on batches of one dataloader (``'train'`` is the
    runner's ``train_dataloader``; others are declared in ``dataloaders``).
    During a phase only the parameters of its wrapper require gradients, so an
    alternating search touches exactly one group at a time (AdaShare, Sec. 3.4).

    Stage transitions are hooks: the loop calls ``before_stage(runner,
    stage=name)`` before a stage's first iteration and ``after_stage(runner,
    stage=name)`` after its last. Put one-shot transitions (discretise, rewind,
    re-initialise) in ``before_stage`` of the stage they prepare: a checkpoint
    taken at a stage's end is resumed before the next stage's ``before_stage``,
    so resuming never repeats or skips a transition. Hooks read the current
    stage from ``runner.train_loop.stage`` and the iteration within it from
    ``runner.train_loop.stage_iter``.

    Validation runs every ``val_interval`` iterations of a stage and at its
    end, before the iteration's ``after_train_iter`` hooks, so a checkpoint
    saved at that iteration already holds what the validation decided.
    Resuming skips the batches each dataloader has already delivered and then
    restores the random generators, so the run continues identically.

    Args:
        runner: the runner.
        dataloader: the ``train`` dataloader (config or object).
        stages: ``{name: dict(iters, phases=[dict(dataloader='train',
            optim_wrapper=None, iters=1)], val_interval=0)}`` in running order
            (or a list of such dicts with a ``name`` each).
        dataloaders: further dataloader configs by name (e.g. ``train1``,
            ``train2`` for a search on disjoint splits).
        val_begin: first iteration at which validation may run. Defaults to 1.
    """

    def __init__(self, runner, dataloader, stages: dict | list, dataloaders: dict | None = None,
                 val_begin: int = 1) -> None:
        self.stages = parse_stages(stages)
        super().__init__(runner, dataloader, max_iters=sum(s.iters for s in self.stages),
                         val_begin=val_begin, val_interval=max(sum(s.iters for s in self.stages), 1))
        self.dataloaders = {'train': self.dataloader}
        for name, cfg in (dataloaders or {}).items():
            if name == 'train':
                raise ValueError("train_cfg.dataloaders: 'train' is the runner's train_dataloader; "
                                 'give the extra dataloader another name')
            self.dataloaders[name] = runner.build_dataloader(
                copy.deepcopy(cfg), seed=runner.seed,
                diff_rank_seed=runner._randomness_cfg.get('diff_rank_seed', False))
        for stage in self.stages:
            for phase in stage.phases:
                if phase.dataloader not in self.dataloaders:
                    raise ValueError(f'train_cfg.stages ({stage.name}): phase dataloader {phase.dataloader!r} is '
                                     f'not declared; known are {sorted(self.dataloaders)} (add it to '
                                     'train_cfg.dataloaders)')
        self.iterators = {'train': self.dataloader_iterator}
        self.iterators.update((n, _InfiniteDataloaderIterator(d)) for n, d in self.dataloaders.items()
                              if n != 'train')
        self._trainable_for = None

    # ----------------------------------------------------------- schedule
    def locate(self, iteration: int) -> tuple[int, int]:
        """``(stage index, iteration within the stage)`` of a global iteration."""
        for index, stage in enumerate(self.stages):
            if iteration < stage.iters:
                return index, iteration
            iteration -= stage.iters
        return len(self.stages) - 1, self.stages[-1].iters

    @property
    def stage(self) -> str:
        """The name of the current stage."""
        return self.stages[self.locate(self._iter)[0]].name

    @property
    def stage_iter(self) -> int:
        """The iteration within the current stage (0-based)."""
        return self.locate(self._iter)[1]

    @property
    def current_stage(self) -> Stage:
        """The current :class:`Stage`."""
        return self.stages[self.locate(self._iter)[0]]

    def stage_start(self, name: str) -> int:
        """The global iteration at which stage ``name`` begins."""
        start = 0
        for stage in self.stages:
            if stage.name == name:
                return start
            start += stage.iters
        raise ValueError(f'no stage named {name!r}; stages are {[s.name for s in self.stages]}')

    def validates_after(self, iteration: int) -> bool:
        """Whether a validation follows the ``iteration``-th iteration (1-based, counted over all stages)."""
        stage_index, stage_iter = self.locate(iteration - 1)
        stage, done = self.stages[stage_index], stage_iter + 1
        return (self.runner.val_loop is not None and bool(stage.val_interval) and iteration >= self.val_begin
                and (done % stage.val_interval == 0 or done == stage.iters))

    def batches_drawn(self, iteration: int) -> dict[str, int]:
        """How many batches each dataloader has delivered before a global iteration."""
        counts = dict.fromkeys(self.dataloaders, 0)
        for it in range(iteration):
            index, stage_iter = self.locate(it)
            counts[self.stages[index].phase_at(stage_iter).dataloader] += 1
        return counts

    # ----------------------------------------------------------- running
    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            counts = self.batches_drawn(self._iter)
            print_log(f'Resuming in stage {self.stage!r} at iteration {self.stage_iter}: skipping the batches '
                      f'already trained on {counts}', logger='current', level=logging.INFO)
            for name, count in counts.items():
                for _ in range(count):
                    next(self.iterators[name])
        state = getattr(self.runner, 'pending_random_state', None)
        if state is not None:
            set_random_state(state)
            self.runner.pending_random_state = None
        while self._iter < self._max_iters and not self.stop_training:
            index, stage_iter = self.locate(self._iter)
            stage = self.stages[index]
            if stage_iter == 0:
                print_log(f'Stage {index + 1}/{len(self.stages)}: {stage.name} ({stage.iters} iterations)',
                          logger='current', level=logging.INFO)
                self.runner.call_hook('before_stage', stage=stage.name)
            phase = stage.phase_at(stage_iter)
            self.runner.model.train()
            self.runner.message_hub.update_scalar('train/stage', index)
            self.run_phase_iter(next(self.iterators[phase.dataloader]), phase)
            if stage_iter == stage.iters - 1:
                self.runner.call_hook('after_stage', stage=stage.name)
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_phase_iter(self, data_batch, phase: Phase) -> None:
        """One iteration: hooks, a step of the phase's wrapper, validation when due, hooks."""
        self.runner.call_hook('before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        wrapper = self.optim_wrapper(phase.optim_wrapper)
        self._set_trainable(phase.optim_wrapper, wrapper)
        outputs = self.runner.model.train_step(data_batch, optim_wrapper=wrapper)
        if self.validates_after(self._iter + 1):
            self.runner.val_loop.run()
        self.runner.call_hook('after_train_iter', batch_idx=self._iter, data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def optim_wrapper(self, name: str | None):
        """The wrapper a phase steps."""
        wrappers = self.runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            if name is None or name not in wrappers.optim_wrappers:
                raise ValueError(f'train_cfg.stages: phase optim_wrapper {name!r} is not one of the built optimiser '
                                 f'wrappers {sorted(wrappers.optim_wrappers)}')
            return wrappers[name]
        if name is not None:
            raise ValueError(f'train_cfg.stages: phase optim_wrapper {name!r} names a wrapper, but optim_wrapper '
                             'builds a single one; use ArchitectureOptimWrapperConstructor for named wrappers')
        return wrappers

    def _set_trainable(self, name, wrapper) -> None:
        """Let only the parameters of ``wrapper`` require gradients."""
        if self._trainable_for == name:
            return
        own = {id(p) for group in wrapper.optimizer.param_groups for p in group['params']}
        model = self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model
        for p in model.parameters():
            p.requires_grad_(id(p) in own)
        self._trainable_for = name
