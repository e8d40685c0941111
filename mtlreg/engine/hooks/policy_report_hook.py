"""What the policy reports about itself: in TensorBoard while training, in the work dir at a stage and at the end."""
from __future__ import annotations

import inspect
import os.path as osp

import torch
from mmengine.dist import is_main_process

from mtlreg.registry import HOOKS
from mtlreg.structures.policy_report import PolicyReport
from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.utils.errors import ConfigError
from mtlreg.visualization import render_figure, save_png
from .hook_utils import model_submodule, stage_names, unwrap_model
from .stage_hook import StageHook


@HOOKS.register_module()
class PolicyReportHook(StageHook):
    """Writes the policy's :class:`~mtlreg.structures.policy_report.PolicyReport` (``policy.report()``).

    The hook knows no method: what is reported (a DAG's sub-networks, task embeddings, or the
    default mask and probabilities of ``BasePolicy.report``) is the policy's choice.

    * Every ``interval`` training iterations: the report's scalars and figures go to the visualiser
      (TensorBoard with the default backends) at step ``iteration + 1``.
    * When ``stage`` begins, and after training (``at_end``; with a ``stage``, only when the run got
      as far as that stage): the full report. ``<work_dir>/<folder>/<filename>`` holds the record as
      JSON with the ``iteration`` and, where the model has ``parameter_counts()``, its counts
      (``parameters``; a record whose ``tasks`` maps each task to a dict also gets the task's count
      there as ``parameters``); each figure is saved as ``<folder>/<figure name>.png``; the scalars
      and figures go to the visualiser and the report's table, with a parameter column, to the log.

    Args:
        interval: iterations between reports to the visualiser; None: none while training.
            Defaults to None.
        stage: the stage at whose start the full report is written (e.g. the stage that trains a
            discrete structure); None: none. Defaults to None.
        at_end: write the full report after training. Defaults to True.
        module: the model's policy submodule. Defaults to 'policy'.
        folder: the folder in the work dir; None: the report's name. Defaults to None.
        filename: the JSON file's name; None: ``<report name>.json``. Defaults to None.
        report_cfg: keyword arguments of ``policy.report()`` (e.g. ``dict(per_unit=True)`` for
            ``GumbelMatrixPolicy``). Defaults to None.
    """

    priority = 'BELOW_NORMAL'  # when a stage begins, after DiscretizePolicyHook (NORMAL) has fixed the policy

    def __init__(self, interval: int | None = None, stage: str | None = None, at_end: bool = True,
                 module: str = 'policy', folder: str | None = None, filename: str | None = None,
                 report_cfg: dict | None = None):
        if interval is not None and (isinstance(interval, bool) or not isinstance(interval, int) or interval < 1):
            raise ValueError(f'PolicyReportHook: interval must be None or an int >= 1, got {interval!r}')
        if interval is None and stage is None and not at_end:
            raise ValueError('PolicyReportHook: nothing to report; give an interval, a stage or at_end=True')
        if report_cfg is not None and not isinstance(report_cfg, dict):
            raise TypeError(f'PolicyReportHook: report_cfg must be a dict of report() arguments, got {report_cfg!r}')
        self.interval, self.stage, self.at_end = interval, stage, bool(at_end)
        self.module, self.folder, self.filename = module, folder, filename
        self.report_cfg = dict(report_cfg or {})

    # ----------------------------------------------------------------- checks
    def _policy(self, runner):
        try:
            policy = model_submodule(runner, self.module)
        except AttributeError:
            raise ConfigError(f'reports model.{self.module}, which the model does not have',
                              where='PolicyReportHook.module', expected="the model's policy, e.g. 'policy'") from None
        if not callable(getattr(policy, 'report', None)):
            raise ConfigError(f'reports model.{self.module}, but {type(policy).__name__} has no report()',
                              where='PolicyReportHook', expected='a policy derived from BasePolicy (which reports '
                              'itself), or no PolicyReportHook (set its named_hooks entry to None)')
        return policy

    def before_train(self, runner) -> None:
        super().before_train(runner)
        policy = self._policy(runner)
        try:
            inspect.signature(policy.report).bind(**self.report_cfg)
        except TypeError as err:
            raise ConfigError(f'{type(policy).__name__}.report() does not take {self.report_cfg} ({err})',
                              where='PolicyReportHook.report_cfg',
                              expected=f'arguments of {type(policy).__name__}.report'
                                       f'{inspect.signature(policy.report)}') from None

    def report(self, runner) -> PolicyReport:
        """The policy's report now (no gradients are recorded)."""
        policy = self._policy(runner)
        with torch.no_grad():
            report = policy.report(**self.report_cfg)
        if not isinstance(report, PolicyReport):
            raise TypeError(f'PolicyReportHook: {type(policy).__name__}.report() returned '
                            f'{type(report).__name__}, expected a PolicyReport')
        return report

    # ----------------------------------------------------------------- writes
    def write(self, runner) -> PolicyReport:
        """The full report: JSON, PNGs, visualiser, log. Returns the report with the parameter counts added."""
        report = self.report(runner)
        model = unwrap_model(runner)
        counts = model.parameter_counts() if callable(getattr(model, 'parameter_counts', None)) else {}
        add_parameter_counts(report, counts)
        folder = osp.join(runner.work_dir, self.folder or report.name)
        main = is_main_process()
        if main:
            write_json_atomic(osp.join(folder, self.filename or f'{report.name}.json'),
                              {'iteration': runner.iter, **report.record})
        for name, figure in report.figures.items():
            image = render_figure(figure)
            if main:
                save_png(osp.join(folder, f'{name}.png'), image)
            runner.visualizer.add_image(report.figure_tag(name), image, step=runner.iter)
        if report.scalars:
            runner.visualizer.add_scalars(report.scalars, step=runner.iter)
        runner.logger.info(report.text(folder))
        return report

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.interval is None or (runner.iter + 1) % self.interval:
            return
        step = runner.iter + 1
        report = self.report(runner)
        for name, figure in report.figures.items():
            title = f'{figure.title}, iteration {step}' if figure.title else f'iteration {step}'
            runner.visualizer.add_image(report.figure_tag(name), render_figure(figure, title), step=step)
        if report.scalars:
            runner.visualizer.add_scalars(report.scalars, step=step)

    def enter_stage(self, runner) -> None:
        self.write(runner)

    def after_train(self, runner) -> None:
        if self.at_end and self._reached_stage(runner):
            self.write(runner)

    def _reached_stage(self, runner) -> bool:
        if self.stage is None:
            return True
        names = stage_names(runner)
        current = getattr(runner.train_loop, 'stage', None)
        return current in names and names.index(current) >= names.index(self.stage)


def add_parameter_counts(report: PolicyReport, counts: dict) -> None:
    """Put a model's ``parameter_counts()`` (``total``, ``task/<t>``) into the report's record and table."""
    if not counts:
        return
    report.record['parameters'] = dict(counts)
    tasks = report.record.get('tasks')
    for key, value in counts.items():
        if not key.startswith('task/'):
            continue
        task = key[len('task/'):]
        if isinstance(tasks, dict) and isinstance(tasks.get(task), dict):
            tasks[task]['parameters'] = value
        if task in report.table:
            report.table[task]['params'] = f'{value / 1e6:.3f}M'
    if 'total' in counts and report.table:
        report.table['total'] = {'params': f"{counts['total'] / 1e6:.3f}M"}
