"""Which tasks should be learned together: choose networks under an inference budget (Standley et al., 2020).

Trains candidate networks (a shared-bottom network per group of tasks, each
through ``tools/train.py`` in its own work dir, cached and resumable), then
chooses the networks with the best total validation score within the budget:

* ``exact``: every group up to ``--max-order`` trained fully; exact branch-and-bound;
* ``esa``: every group trained for ``task_grouping.esa_fraction`` of the
  schedule; the chosen networks are then trained fully;
* ``hoa``: only singles and pairs trained; larger groups estimated from the pairs;
* ``tag``: one network of all tasks trained, measuring the lookahead inter-task affinities
  (Fifty et al., NeurIPS 2021); a group's score per task is the mean affinity onto it from
  the other members; the chosen networks are then trained fully.

Writes ``<work-dir>/grouping_<method>_budget<B>.{json,txt,png}`` (with
``--tasks``: ``grouping_<method>_budget<B>_<t1+t2+...>``) with the predicted
and achieved values of the choice and of the baselines (all tasks in one
network, every task alone, the exact choice when every candidate has been
trained fully), and prints the command that trains the chosen networks.

Example::

    python tools/task_grouping.py configs/task_grouping/shared_bottom_resnet18_scenes-5task.py --budget 2.5 3.5 \\
        --method hoa --jobs 2

With ``--backend ray`` every candidate is a Ray task (``--address``, ``--cpus-per-run``,
``--gpus-per-run``; see docs/distributed.md).
"""
import argparse
import json
import math
import os.path as osp
import shlex

from mtlreg.grouping import (branch_and_bound, brute_force_selection, canonical_group, group_name,
                             higher_order_estimates, make_selection, task_subsets)
from mtlreg.utils.atomic_io import write_json_atomic, write_text_atomic
from mtlreg.utils.cli import ConfigOptionsAction, run_tool
from mtlreg.utils.run_backends import RunBackend, add_backend_arguments, backend_arguments

TRAIN_SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'train.py')
BRUTE_FORCE_LIMIT = 2_000_000  # assignments of tasks to networks checked by brute force at most


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Choose which tasks share a network under an inference budget')
    parser.add_argument('config', help='config with tasks, a base model, a schedule and a task_grouping section')
    parser.add_argument('--budget', nargs='+', type=float,
                        help='inference budgets, in single-task networks (see task_grouping.cost)')
    parser.add_argument('--method', choices=['exact', 'esa', 'hoa', 'tag'], default='exact',
                        help='exact: all groups trained fully; esa: early-stopped estimates; '
                             'hoa: pairs only, larger groups estimated; tag: affinities from one training')
    parser.add_argument('--tasks', nargs='+', help='group only these tasks of the config (default: all)')
    parser.add_argument('--max-order', type=int, help='largest group of tasks in one network '
                        '(default: task_grouping.max_order, else all tasks)')
    parser.add_argument('--work-dir', help='parent of the candidates\' work dirs '
                        '(default: work_dirs/task_grouping/<config name>)')
    parser.add_argument('--jobs', type=int, default=1, help='candidates trained at a time (separate processes)')
    add_backend_arguments(parser)
    parser.add_argument('--train-selection', metavar='JSON',
                        help='train the networks of a grouping report fully (and nothing else)')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction, help='override config keys')
    parser.add_argument('--data-root', action='append', metavar='PREFIX=PATH', help='as for tools/train.py')
    args = parser.parse_args(argv)
    if args.budget is None and args.train_selection is None:
        parser.error('one of --budget or --train-selection is required')
    return args


def load(args):
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots
    from mtlreg.grouping.sweep import GroupingSettings
    cfg = load_config(args.config, args.cfg_options)
    if args.data_root:
        remap_data_roots(cfg, parse_data_roots(args.data_root))
    settings = GroupingSettings.from_config(cfg)
    if args.max_order is not None:
        settings.max_order = args.max_order
    tasks = list(cfg.get('tasks') or {})
    if args.tasks:
        unknown = [t for t in args.tasks if t not in tasks]
        if unknown:
            raise KeyError(f'--tasks: {unknown} are not declared in the config\'s "tasks" ({tasks})')
        tasks = [t for t in tasks if t in args.tasks]
        cfg.tasks = {t: cfg.tasks[t] for t in tasks}
    if len(tasks) < 2:
        raise ValueError(f'config: task grouping needs at least two tasks in "tasks", got {tasks}')
    if args.max_order is None and settings.max_order is not None:
        settings.max_order = min(settings.max_order, len(tasks))  # the config's limit, for fewer --tasks
    work_dir = args.work_dir or osp.join('work_dirs', 'task_grouping', osp.splitext(osp.basename(args.config))[0])
    return cfg, settings, tasks, work_dir


def rerun_command(args, report_path: str, work_dir: str) -> str:
    parts = [osp.relpath(osp.abspath(__file__)), args.config, '--work-dir', work_dir, '--train-selection', report_path]
    if args.tasks:
        parts += ['--tasks', *args.tasks]
    for item in args.data_root or []:
        parts += ['--data-root', item]
    if args.cfg_options:
        parts += ['--cfg-options'] + [f'{k}={v}' for k, v in args.cfg_options.items()]
    if args.jobs > 1:
        parts += ['--jobs', str(args.jobs)]
    parts += backend_arguments(args)
    return 'python ' + ' '.join(shlex.quote(p) for p in parts)


def train_selection(args, cfg, settings, tasks, work_dir, backend) -> None:
    from mtlreg.grouping.report import describe, score_table
    from mtlreg.grouping.sweep import CandidateSweep
    with open(args.train_selection) as f:
        record = json.load(f)
    try:
        networks = [canonical_group(n, tasks) for n in record['selection']['networks']]
    except KeyError as error:
        raise KeyError(f'{args.train_selection}: not a grouping report (no selection.networks)') from error
    sweep = CandidateSweep(cfg, settings, work_dir, TRAIN_SCRIPT, backend=backend)
    full = sweep.run(networks)
    costs = {n: c for n, c in zip(networks, record['selection'].get('network_costs', [0.0] * len(networks)))}
    table = score_table(full, settings, 'val')
    selection = make_selection(networks, tasks, table, costs)
    row = describe('trained', selection.assignment, selection.networks, costs, settings, None, full)
    for task, entry in row['tasks'].items():
        print(f"{task:<12} {entry['network']:<32} val {entry['val']:.3f}  test {entry['test']:.3f}")
    print(f"mean {settings.metric}: val {row['val']:.3f}, test {row['test']:.3f}")


def check_by_brute_force(row, tasks, table, costs, budget, groups) -> None:
    """Compare an exact selection with brute force where the assignments are few enough; record the score."""
    if math.prod(sum(t in g for g in groups) for t in tasks) > BRUTE_FORCE_LIMIT:
        return
    brute = brute_force_selection(tasks, table, costs, budget)
    row['brute_force_score'] = brute.score
    if not math.isclose(brute.score, row['selection']['score'], rel_tol=1e-9, abs_tol=1e-9):
        raise AssertionError(f"branch-and-bound ({row['selection']['score']}) and brute force ({brute.score}) "
                             'disagree')


def estimate_table(method, sweep, settings, tasks, groups):
    """The scores the selection is made with, where they come from, and the trainings they took."""
    from mtlreg.grouping.report import score_table
    if method == 'exact':
        runs = sweep.run(groups)
        return score_table(runs, settings), 'validation after full training', runs
    if method == 'esa':
        fraction = float(settings.esa_fraction)
        runs = sweep.run(groups, fraction)
        return (score_table(runs, settings),
                f'validation after {fraction:g} of the schedule (early-stopping approximation)', runs)
    if method == 'tag':
        from mtlreg.grouping.affinity_groups import affinity_group_scores, read_affinity
        result, path = sweep.measure_affinity(tuple(tasks))
        _, affinity = read_affinity(path)
        return (affinity_group_scores(tasks, affinity, settings.max_order),
                f'mean lookahead affinity onto each task from the others of its group, measured every '
                f"{settings.affinity['interval']} iterations of one training of all tasks ({path})",
                {tuple(tasks): result})
    if max(len(g) for g in groups) < 2:
        raise ValueError('--method hoa needs groups of two tasks: set --max-order 2 or more')
    runs = sweep.run([g for g in groups if len(g) <= 2])
    return (higher_order_estimates(tasks, score_table(runs, settings), settings.max_order),
            'validation of singles and pairs, larger groups averaged over pairs (higher-order approximation)', runs)


def training_cost(runs) -> dict:
    """The trainings an estimate took: how many, their iterations and wall time (None where unrecorded)."""
    iterations = [r.iterations for r in runs.values()]
    seconds = [r.seconds for r in runs.values()]
    return {'runs': len(runs), 'iterations': sum(iterations) if None not in iterations else None,
            'seconds': sum(seconds) if None not in seconds else None}


def main(argv=None):
    args = parse_args(argv)  # --help and argument errors return before the heavy imports below
    backend = RunBackend.from_args(args)  # a bad option or a missing Ray stops before any work
    from mtlreg.grouping.costs import candidate_costs
    from mtlreg.grouping.report import describe, score_table, selection_row, table_lines
    from mtlreg.grouping.sweep import CandidateSweep
    from mtlreg.registry import register_all_modules
    register_all_modules()
    cfg, settings, tasks, work_dir = load(args)
    if args.train_selection:
        train_selection(args, cfg, settings, tasks, work_dir, backend)
        return
    groups = task_subsets(tasks, settings.max_order)
    all_in_one, singles = tuple(tasks), [(t,) for t in tasks]
    costs, flops = candidate_costs(cfg, tasks, list(dict.fromkeys(groups + [all_in_one])), settings)
    sweep = CandidateSweep(cfg, settings, work_dir, TRAIN_SCRIPT, backend=backend)
    predicted, source, estimate_runs = estimate_table(args.method, sweep, settings, tasks, groups)
    predicted_value = (lambda score: score) if args.method == 'tag' else settings.value  # affinities as they are
    subset = f'_{group_name(tasks)}' if args.tasks else ''  # a --tasks subset does not overwrite the full run's
    for budget in args.budget:
        selection = branch_and_bound(tasks, predicted, costs, budget)
        full = sweep.run(list(dict.fromkeys(selection.networks + [all_in_one] + singles)))
        rows = [selection_row(args.method, selection, costs, settings, predicted, full, predicted_value)]
        cached = {g: sweep.cached(g) for g in groups}
        if args.method != 'exact' and all(r is not None for r in cached.values()):
            # every candidate has been trained fully (by an exact run): the optimum the method approximates
            full_table = score_table(cached, settings)
            best = branch_and_bound(tasks, full_table, costs, budget)
            rows.append(selection_row('exact (full)', best, costs, settings, full_table, {**cached, **full}))
        if args.method == 'exact' or len(rows) > 1:
            check_by_brute_force(rows[-1], tasks, score_table(cached, settings), costs, budget, groups)
        rows.append(describe('all-in-one', {t: all_in_one for t in tasks}, [all_in_one], costs, settings,
                             predicted, full, predicted_value))
        rows.append(describe('all-separate', {t: (t,) for t in tasks}, singles, costs, settings, predicted, full,
                             predicted_value))
        selection_record = selection.to_dict()
        selection_record['network_costs'] = [costs[n] for n in selection.networks]
        stem = osp.join(work_dir, f'grouping_{args.method}_budget{budget:g}{subset}')
        report = {'method': args.method, 'budget': budget, 'tasks': tasks, 'predicted_from': source,
                  'settings': {'metric': settings.metric, 'rule': settings.rule, 'max_order': settings.max_order,
                               'cost': dict(settings.cost), 'esa_fraction': settings.esa_fraction,
                               'affinity': dict(settings.affinity)},
                  'estimate_cost': training_cost(estimate_runs),
                  'costs': {group_name(g): c for g, c in costs.items()},
                  'flops': {group_name(g): f for g, f in flops.items()},
                  'predicted': {group_name(g): {t: predicted_value(s) for t, s in v.items()}
                                for g, v in predicted.items()},
                  'selection': selection_record, 'rows': rows}
        write_json_atomic(stem + '.json', report)
        lines = table_lines(report)
        write_text_atomic(stem + '.txt', '\n'.join(lines) + '\n')
        from mtlreg.visualization.grouping_plot import grouping_image
        from mtlreg.visualization.policy_plot import save_png
        save_png(stem + '.png', grouping_image(tasks, selection.networks, selection.assignment,
                                               [costs[n] for n in selection.networks],
                                               title=f'{args.method}, budget {budget:g}'))
        print('\n'.join(lines))
        print(f'Report: {stem}.json (.txt, .png). Train the chosen networks with:\n  '
              f'{rerun_command(args, stem + ".json", work_dir)}')


if __name__ == '__main__':
    run_tool(main)
