"""Predicted and achieved performance of task groupings, as JSON and a readable table."""
from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence

from .candidates import Group, group_name
from .selection import Selection
from .sweep import CandidateResult, GroupingSettings


def score_table(results: Mapping[Group, CandidateResult], settings: GroupingSettings, split: str = 'val'
                ) -> dict[Group, dict[str, float]]:
    """``{group: {task: score}}`` from trained candidates (scores: higher is better)."""
    return {g: {t: settings.score(r.task_value(settings.metric, t, split)) for t in g} for g, r in results.items()}


def describe(name: str, assignment: Mapping[str, Group], networks: Sequence[Group], costs: Mapping[Group, float],
             settings: GroupingSettings, predicted: Mapping[Group, Mapping[str, float]] | None,
             full: Mapping[Group, CandidateResult], predicted_value: Callable[[float], float] | None = None) -> dict:
    """One row of the report: the networks, their cost, and per task the predicted and achieved values.

    ``predicted`` holds the scores the selection was made with (``None``: not
    predicted), shown through ``predicted_value`` (default: the metric's units,
    ``settings.value``); achieved values come from the fully trained networks
    ``full`` on the validation and the test split, in the metric's own units.
    """
    predicted_value = predicted_value or settings.value
    tasks = list(assignment)
    row = {'name': name, 'networks': [list(n) for n in networks], 'cost': sum(costs[n] for n in networks),
           'tasks': {}}
    for task in tasks:
        network = assignment[task]
        entry = {'network': group_name(network)}
        if predicted is not None and network in predicted:
            entry['predicted'] = predicted_value(predicted[network][task])
        if network in full and full[network] is not None:
            entry['val'] = full[network].task_value(settings.metric, task, 'val')
            entry['test'] = full[network].task_value(settings.metric, task, 'test')
        row['tasks'][task] = entry
    for key in ('predicted', 'val', 'test'):
        values = [e[key] for e in row['tasks'].values() if key in e]
        row[key] = statistics.fmean(values) if len(values) == len(tasks) else None
    return row


def selection_row(name: str, selection: Selection, costs, settings, predicted, full, predicted_value=None) -> dict:
    row = describe(name, selection.assignment, selection.networks, costs, settings, predicted, full, predicted_value)
    row['selection'] = selection.to_dict()
    return row


def table_lines(report: dict) -> list[str]:
    """The report as text: a header, then one line per grouping (cost, predicted, val, test, networks)."""
    settings = report['settings']
    better = 'higher' if settings['rule'] == 'greater' else 'lower'
    lines = [f"Task grouping: method {report['method']}, budget {report['budget']:g}, metric "
             f"mean {settings['metric']} ({better} is better); predicted from {report['predicted_from']}",
             f"{'grouping':<16}{'cost':>7}{'predicted':>11}{'val':>9}{'test':>9}  networks"]

    def fmt(value):
        if value is None:
            return f"{'—':>9}"
        return f'{value:>9.2e}' if 0 < abs(value) < 0.01 else f'{value:>9.2f}'  # affinities are small

    for row in report['rows']:
        networks = ' | '.join('+'.join(n) for n in row['networks'])
        lines.append(f"{row['name']:<16}{row['cost']:>7.2f}  {fmt(row['predicted'])}{fmt(row['val'])}"
                     f"{fmt(row['test'])}  {networks}")
    cost = report.get('estimate_cost')
    if cost:
        iterations = f"{cost['iterations']} iterations" if cost.get('iterations') is not None else 'iterations unknown'
        seconds = f", {cost['seconds'] / 60:.1f} min" if cost.get('seconds') is not None else ''
        runs = f"{cost['runs']} training{'s' if cost['runs'] != 1 else ''}"
        lines.append(f"estimate: {runs}, {iterations}{seconds} (the chosen networks' full training comes on "
                     'top where they were not among them)')
    return lines
