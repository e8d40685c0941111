"""Train the candidate networks of task grouping, each through the normal Runner in its own work dir.

A candidate is the base config restricted to a group of tasks (its heads,
losses, metrics and single-task references), with the options of its group
size applied (e.g. a width per number of tasks) and, for the early-stopping
approximation, its training cut short. Every candidate runs ``tools/train.py
--test`` in a separate process (on this machine or as a Ray task, see
``mtlreg.utils.run_backends``); its validation and test metrics are kept in
``result.json``. A candidate whose ``result.json`` exists is not trained
again, and one that was interrupted resumes from its last checkpoint, so an
interrupted sweep continues where it stopped.
"""
from __future__ import annotations

import copy
import functools
import glob
import json
import os
import os.path as osp
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mmengine.config import Config

from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.utils.run_backends import RunBackend
from .candidates import Group, group_name

_EVALUATOR_KEYS = ('val_evaluator', 'test_evaluator')


@dataclass
class GroupingSettings:
    """The ``task_grouping`` section of a config.

    Args:
        metric: per-task validation metric with ``{task}`` in its name, e.g. ``'delta/{task}'`` (Δ_Ti
            against the single-task references) or ``'{task}/mIoU'``.
        rule: ``'greater'`` or ``'less'``: which metric values are better.
        max_order: the largest group of tasks one candidate network may hold (default: all tasks).
        cost: ``dict(type='flops', input_shape=(C, H, W))`` — a network's inference FLOPs for one
            multi-task forward, in units of the mean single-task network — or
            ``dict(type='per_order', values={1: 1.0, 2: 1.0, ...})`` — a fixed cost per group size.
        order_options: config options per group size, ``{2: {'model.backbone.width_multiplier': 0.5}}``.
        esa_fraction: the share of the training schedule the early-stopping approximation trains.
        affinity: task affinity grouping's measurement, ``dict(interval=10, lr=None)``: the
            :class:`~mtlreg.engine.hooks.TaskAffinityHook` options of its one training of all tasks.
    """

    metric: str = 'delta/{task}'
    rule: str = 'greater'
    max_order: int | None = None
    cost: Mapping | None = None
    order_options: Mapping | None = None
    esa_fraction: float = 0.2
    affinity: Mapping | None = None

    @classmethod
    def from_config(cls, cfg: Config) -> 'GroupingSettings':
        section = cfg.get('task_grouping')
        if section is None:
            raise KeyError('config: missing key "task_grouping" (metric, rule, max_order, cost, order_options, '
                           'esa_fraction); see docs/methods/task_grouping.md')
        unknown = sorted(set(section) - set(cls.__dataclass_fields__))
        if unknown:
            raise KeyError(f'task_grouping: unknown keys {unknown}; expected some of '
                           f'{sorted(cls.__dataclass_fields__)}')
        settings = cls(**{k: copy.deepcopy(v) for k, v in section.items()})
        settings.validate()
        return settings

    def validate(self) -> None:
        if '{task}' not in self.metric:
            raise ValueError(f"task_grouping.metric: expected a name with '{{task}}', got {self.metric!r}")
        if self.rule not in ('greater', 'less'):
            raise ValueError(f"task_grouping.rule: expected 'greater' or 'less', got {self.rule!r}")
        if not 0.0 < float(self.esa_fraction) <= 1.0:
            raise ValueError(f'task_grouping.esa_fraction: expected a number in (0, 1], got {self.esa_fraction}')
        cost = dict(self.cost or dict(type='flops'))
        if cost.get('type') not in ('flops', 'per_order'):
            raise ValueError(f"task_grouping.cost.type: expected 'flops' or 'per_order', got {cost.get('type')!r}")
        if cost['type'] == 'flops' and len(tuple(cost.get('input_shape') or ())) != 3:
            raise ValueError('task_grouping.cost.input_shape: the FLOP cost needs the (C, H, W) of one input')
        if cost['type'] == 'per_order' and not isinstance(cost.get('values'), Mapping):
            raise ValueError('task_grouping.cost.values: expected {group size: cost}')
        self.cost = cost
        options = self.order_options or {}
        if not isinstance(options, Mapping) or not all(isinstance(v, Mapping) for v in options.values()):
            raise ValueError('task_grouping.order_options: expected {group size: {config key: value}}')
        self.order_options = {int(k): dict(v) for k, v in options.items()}
        affinity = dict(self.affinity or {})
        unknown = sorted(set(affinity) - {'interval', 'lr'})
        if unknown:
            raise ValueError(f"task_grouping.affinity: unknown keys {unknown}; expected some of ['interval', 'lr']")
        self.affinity = dict(dict(interval=10, lr=None), **affinity)

    def score(self, value: float) -> float:
        """A metric value as a score where higher is better."""
        return value if self.rule == 'greater' else -value

    def value(self, score: float) -> float:
        return score if self.rule == 'greater' else -score


def candidate_config(cfg: Config, group: Group, settings: GroupingSettings, fraction: float = 1.0,
                     extra_hooks: Sequence[Mapping] = ()) -> Config:
    """The config of the network for ``group``: those tasks only, the group size's options, the schedule cut,
    ``extra_hooks`` added to its ``custom_hooks``.

    Raises:
        KeyError: if the config has no ``tasks`` or lacks a task of the group.
        ValueError: if ``fraction`` < 1 and the training loop has no ``train_cfg.max_iters`` to shorten.
    """
    cfg = Config(copy.deepcopy(cfg.to_dict()))
    cfg.pop('task_grouping', None)
    tasks = cfg.get('tasks')
    if not isinstance(tasks, Mapping):
        raise KeyError('config: task grouping needs the top-level "tasks" declarations')
    missing = [t for t in group if t not in tasks]
    if missing:
        raise KeyError(f'config: tasks {missing} are not declared in "tasks" ({sorted(tasks)})')
    cfg.tasks = {t: tasks[t] for t in group}
    if isinstance(cfg.get('model'), Mapping) and 'tasks' in cfg.model:
        cfg.model.tasks = {t: cfg.model.tasks[t] for t in group}
    for key in _EVALUATOR_KEYS:
        evaluator = cfg.get(key)
        if isinstance(evaluator, Mapping):
            if evaluator.get('single_task_reference'):
                evaluator['single_task_reference'] = {
                    t: v for t, v in evaluator['single_task_reference'].items() if t in group}
            if 'tasks' in evaluator:
                evaluator['tasks'] = {t: v for t, v in evaluator['tasks'].items() if t in group}
    options = settings.order_options.get(len(group))
    if options:
        cfg.merge_from_dict(copy.deepcopy(options))
    train_cfg = cfg.get('train_cfg') or {}
    max_iters = train_cfg.get('max_iters')
    if fraction < 1.0:
        if not max_iters:
            raise ValueError('task_grouping.esa_fraction: shortening the training needs train_cfg.max_iters '
                             '(an iteration-based loop without stages)')
        train_cfg['max_iters'] = max(1, int(round(max_iters * fraction)))
    if train_cfg.get('max_iters'):
        train_cfg['val_interval'] = train_cfg['max_iters']  # one validation, of the final weights
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'SaveMetricsHook' for h in hooks):
        hooks.append(dict(type='SaveMetricsHook'))
    cfg.custom_hooks = hooks + [copy.deepcopy(dict(h)) for h in extra_hooks]
    return cfg


@dataclass
class CandidateResult:
    group: Group
    val: dict
    test: dict
    iterations: int | None = None  #: training iterations of the run
    seconds: float | None = None  #: wall time of its last launch (training, validation and test)

    def task_value(self, metric: str, task: str, split: str = 'val') -> float:
        metrics = self.val if split == 'val' else self.test
        key = metric.format(task=task)
        if metrics.get(key) is None:
            raise KeyError(f'task_grouping.metric: the {split} metrics of {group_name(self.group)} have no '
                           f'{key!r}; they have {sorted(metrics)}')
        return float(metrics[key])


class CandidateSweep:
    """Trains candidate networks (cached in ``<work_dir>/<label>/<group>/``) and returns their metrics.

    Args:
        cfg: the grouping config (with ``--cfg-options`` and data roots already applied).
        settings: its ``task_grouping`` section.
        work_dir: the parent of every candidate's work dir.
        train_script: the path of ``tools/train.py``.
        jobs: candidates trained at a time, each in its own process (one thread each when > 1); the
            local backend's, when ``backend`` is not given.
        launch: runs one training (``command, log path, extra environment variables`` → exit code);
            replaced in tests. Default: the backend's.
        backend: where the trainings run (default: local processes, ``jobs`` at a time).
    """

    def __init__(self, cfg: Config, settings: GroupingSettings, work_dir: str, train_script: str, jobs: int = 1,
                 launch: Callable[[list[str], str, dict | None], int] | None = None,
                 backend: RunBackend | None = None) -> None:
        self.backend = backend or RunBackend('local', jobs)
        self.cfg, self.settings, self.work_dir = cfg, settings, work_dir
        self.train_script, self.jobs = train_script, self.backend.jobs
        self.launch = launch or self.backend.launch

    @staticmethod
    def label(fraction: float) -> str:
        return 'full' if fraction >= 1.0 else f'early{fraction:g}'

    def candidate_dir(self, group: Group, fraction: float = 1.0, label: str | None = None) -> str:
        return osp.join(self.work_dir, label or self.label(fraction), group_name(group))

    def cached(self, group: Group, fraction: float = 1.0, label: str | None = None) -> CandidateResult | None:
        path = osp.join(self.candidate_dir(group, fraction, label), 'result.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            record = json.load(f)
        return CandidateResult(group=tuple(record['group']), val=record['val'], test=record['test'],
                               iterations=record.get('iterations'), seconds=record.get('seconds'))

    def train_command(self, group: Group, fraction: float = 1.0, label: str | None = None) -> list[str]:
        directory = self.candidate_dir(group, fraction, label)
        return [sys.executable, self.train_script, osp.join(directory, 'config.py'), '--work-dir', directory,
                '--test']

    def run(self, groups: Sequence[Group], fraction: float = 1.0) -> dict[Group, CandidateResult]:
        """Every group's result, training those not cached (through the backend)."""
        todo = [g for g in dict.fromkeys(groups) if self.cached(g, fraction) is None]
        if todo:
            print(f'[task_grouping] training {len(todo)} of {len(set(groups))} candidates '
                  f'({self.label(fraction)}), {self.backend.describe()}', flush=True)
        self.backend.run_all([functools.partial(self._train, g, fraction) for g in todo])
        return {g: self.cached(g, fraction) for g in groups}

    def measure_affinity(self, group: Group) -> tuple[CandidateResult, str]:
        """Train ``group``'s network once with :class:`~mtlreg.engine.hooks.TaskAffinityHook` (cached in
        ``<work_dir>/affinity/<group>/``); its result and the path of its ``task_affinity.json``."""
        if self.cached(group, label='affinity') is None:
            print(f'[task_grouping] measuring the task affinities of {group_name(group)}, '
                  f'{self.backend.describe()}', flush=True)
            hook = dict(type='TaskAffinityHook', **self.settings.affinity)
            self.backend.run_all([functools.partial(self._train, group, 1.0, 'affinity', (hook,))])
        return (self.cached(group, label='affinity'),
                osp.join(self.candidate_dir(group, label='affinity'), 'task_affinity.json'))

    def _train(self, group: Group, fraction: float, label: str | None = None, extra_hooks=()) -> None:
        directory = self.candidate_dir(group, fraction, label)
        os.makedirs(directory, exist_ok=True)
        config = candidate_config(self.cfg, group, self.settings, fraction, extra_hooks)
        config.dump(osp.join(directory, 'config.py'))
        command = self.train_command(group, fraction, label)
        if glob.glob(osp.join(directory, 'iter_*.pth')) or osp.isfile(osp.join(directory, 'last_checkpoint')):
            command.append('--resume')  # continue the interrupted run from its last checkpoint
        print(f'[task_grouping] {label or self.label(fraction)} {group_name(group)} ...', flush=True)
        log = osp.join(directory, 'train.log')
        start = time.perf_counter()
        code = self.launch(command, log, None)
        seconds = time.perf_counter() - start
        if code:
            tail = ''
            if osp.isfile(log):
                with open(log) as f:
                    tail = f.read()[-3000:]
            raise RuntimeError(f'task grouping: training {group_name(group)} ({self.label(fraction)}) failed '
                               f'with exit code {code}; log {log}:\n{tail}')
        val, test = (_read_metrics(osp.join(directory, name))
                     for name in ('val_metrics.json', 'test_metrics.json'))
        write_json_atomic(osp.join(directory, 'result.json'),
                          {'group': list(group), 'val': val, 'test': test, 'seconds': seconds,
                           'iterations': (config.get('train_cfg') or {}).get('max_iters')})


def _read_metrics(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'task grouping: the training wrote no {osp.basename(path)} ({path})')
    with open(path) as f:
        return json.load(f)['metrics']
