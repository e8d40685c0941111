"""Flow-based vs threshold vs random reduction of a searched DAG network at equal sparsity (Choi & Im, Fig. 5).

From one checkpoint taken at the end of the search, every reduction method fixes a sub-network per task,
stopping at each target sparsity |E_s| / |E|; each is then fine-tuned from the warm-up weights and tested
(``tools/train.py CONFIG --resume CKPT`` with the method and target set on ``named_hooks.discretize``).
The reference is the non-reduced network (every link on, fine-tuned the same way); the table gives
each run's achieved sparsity (mean over tasks), the metric (Δ_T by default) and its difference from the
reference (for Δ_T in percentage points), the degradation Fig. 5 plots. The paper's own stopping rule
(no target) is the row ``flow_auto``. ``at target`` counts the tasks whose sub-network reached the target:
a task stops above it where every link left is its last path from the input to the read-out. Finished runs
(with a ``test_metrics.json``) are not repeated, so an interrupted comparison continues where it stopped.
``--reduce-only`` prints the sub-networks of every run in seconds, without fine-tuning; ``--policy-from``
reduces another search's upper-level parameters and fine-tunes from this checkpoint's weights.

Example (the scenes config; the checkpoint at iteration 580 is the end of its search)::

    python tools/train.py configs/dag_network/dag_vgg16-m3_scenes-5task.py
    python tools/analysis/dag_reduction_comparison.py configs/dag_network/dag_vgg16-m3_scenes-5task.py \\
        work_dirs/dag_vgg16-m3_scenes-5task/iter_580.pth --sparsities 0.15 0.1 --jobs 2
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.utils.cli import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = ('flow', 'threshold', 'random')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Compare DAG reductions at equal sparsity (Fig. 5)')
    parser.add_argument('config', help='a DAG network config')
    parser.add_argument('checkpoint', help='a checkpoint written at the end of the search stage')
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument('--sparsities', nargs='+', type=float, default=[0.2, 0.1],
                        help='target shares of the central network\'s edges each task keeps')
    parser.add_argument('--random-seeds', nargs='+', type=int, default=[0], help='seeds of the random reduction')
    parser.add_argument('--no-restrict', action='store_true',
                        help='compare the removal rules on the whole graph: skip the read-in/read-out range step '
                             'of Alg. 1 in the runs with a target (the flow_auto run keeps it)')
    parser.add_argument('--metric', default='delta/mean', help='test metric to compare (higher is better)')
    parser.add_argument('--work-dir', default='work_dirs/dag_reduction_comparison')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (each then uses one thread: OMP_NUM_THREADS=1)')
    parser.add_argument('--policy-from', metavar='CHECKPOINT',
                        help='reduce the upper-level parameters of this checkpoint (another search) and fine-tune '
                             'from the weights of the first: whether the graphs or the weights decide')
    parser.add_argument('--reduce-only', action='store_true',
                        help='only reduce: print every run\'s sub-networks (sparsity, depth and width per task) '
                             'from the checkpoint in seconds, without fine-tuning or testing')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='passed to tools/train.py')
    parser.add_argument('--data-root', action='append', default=[], metavar='PREFIX=PATH',
                        help='passed to tools/train.py')
    return parser.parse_args(argv)


def plan(args) -> list[dict]:
    """Every run: the reference, the paper's own stopping rule, and each method at each target."""
    runs = [dict(name='reference', method='flow', target=1.0, restrict=False, seed=0),
            dict(name='flow_auto', method='flow', target=None, restrict=True, seed=0)]
    for target in args.sparsities:
        for method in args.methods:
            for seed in (args.random_seeds if method == 'random' else [0]):
                suffix = f'_seed{seed}' if method == 'random' else ''
                runs.append(dict(name=f'{method}_s{target:g}{suffix}', method=method, target=target,
                                 restrict=not args.no_restrict, seed=seed))
    return runs


def run_options(run: dict) -> dict:
    """The config options that set a run's reduction on the discretize hook."""
    prefix = 'named_hooks.discretize.discretize_cfg'
    options = {f'{prefix}.method': run['method'], f'{prefix}.restrict': run['restrict'], f'{prefix}.seed': run['seed']}
    if run['target'] is not None:
        options[f'{prefix}.target_sparsity'] = run['target']
    return options


def command(run: dict, directory: str, args) -> list[str]:
    options = [f'{key}={value}' for key, value in run_options(run).items()]
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), args.config, '--work-dir', directory,
           '--resume', osp.abspath(args.checkpoint), '--test', '--cfg-options', *options, *args.cfg_options]
    for item in args.data_root:
        cmd += ['--data-root', item]
    return cmd


def execute(run: dict, args) -> None:
    directory = osp.join(args.work_dir, run['name'])
    if osp.isfile(osp.join(directory, 'test_metrics.json')):
        return
    os.makedirs(directory, exist_ok=True)
    print(f'[dag_reduction_comparison] {run["name"]} ...', flush=True)
    env = dict(os.environ, OMP_NUM_THREADS='1') if args.jobs > 1 else None
    with open(osp.join(directory, 'comparison.log'), 'w') as log:
        code = subprocess.call(command(run, directory, args), stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                               env=env)
    if code:
        with open(osp.join(directory, 'comparison.log')) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{run["name"]} failed (exit {code}); log {directory}/comparison.log:\n{tail}')


def collect(runs: list[dict], args) -> list[dict]:
    rows = []
    for run in runs:
        directory = osp.join(args.work_dir, run['name'])
        with open(osp.join(directory, 'test_metrics.json')) as f:
            report = json.load(f)
        with open(osp.join(directory, 'topology', 'topology.json')) as f:
            topology = json.load(f)
        if args.metric not in report['metrics']:
            raise KeyError(f'{run["name"]}: the test report has no {args.metric!r}; it has {sorted(report["metrics"])}')
        rows.append(dict(run, **sparsity_summary(run, topology['tasks']), metric=report['metrics'][args.metric],
                         parameters=topology['parameters'].get('total')))
    return rows


def sparsity_summary(run: dict, tasks: dict) -> dict:
    """Mean sparsity over the tasks, and how many reached the run's target (None without one).

    A task above its target ran out of links to remove: each one left was its last path to the read-out.
    """
    per_task = [t['sparsity'] for t in tasks.values()]
    at_target = None if run['target'] is None else sum(s <= run['target'] + 1e-9 for s in per_task)
    return dict(sparsity=statistics.mean(per_task), tasks=len(per_task), tasks_at_target=at_target)


def checkpoint_with_policy_of(checkpoint: str, policy_source: str, work_dir: str) -> str:
    """A copy of ``checkpoint`` whose upper-level parameters (``policy.*``) are those of ``policy_source``.

    Everything else (weights, the warm-up weights the fine-tuning rewinds to, optimiser, seed) stays the
    first checkpoint's. Written once, atomically, into ``work_dir``; returns its path.
    """
    from mtlreg.engine.runner import load_checkpoint_file
    from mtlreg.engine.runner.checkpoint_codec import encode
    from mtlreg.utils.atomic_io import torch_save_atomic
    source_path = osp.abspath(policy_source)
    tag = hashlib.sha1(source_path.encode()).hexdigest()[:8]
    name = f'{osp.splitext(osp.basename(checkpoint))[0]}_policy_of_{osp.basename(osp.dirname(source_path))}_{tag}'
    path = osp.join(work_dir, name + '.pth')
    if osp.isfile(path):
        return path
    merged, source = load_checkpoint_file(checkpoint), load_checkpoint_file(policy_source)
    if 'state_dict' not in merged or 'state_dict' not in source:
        raise ValueError(f'{checkpoint!r} and {policy_source!r} must both be training checkpoints (with a state_dict)')
    state, policy = dict(merged['state_dict']), source['state_dict']
    if {k for k in state if k.startswith('policy.')} != {k for k in policy if k.startswith('policy.')}:
        raise ValueError(f'the policies of {checkpoint!r} and {policy_source!r} differ in their parameters: '
                         'expected two checkpoints of the same config')
    state.update({k: v for k, v in policy.items() if k.startswith('policy.')})
    os.makedirs(work_dir, exist_ok=True)
    torch_save_atomic(encode(dict(merged, state_dict=state)), path)
    return path


def reduce_only(runs: list[dict], args) -> list[dict]:
    """Every run's sub-networks from the checkpoint's upper-level parameters, as its fine-tuning would start.

    The config (with ``--cfg-options`` and the run's options) builds the model and the discretize hook;
    the checkpoint's policy weights are loaded and the hook's reduction is applied, nothing is trained.
    """
    from mmengine.config import DictAction
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.runner import load_checkpoint_file, resolve_task_config
    from mtlreg.engine.runner.checkpoint_loading import state_dict_of
    from mtlreg.registry import HOOKS, MODELS, register_all_modules
    register_all_modules()
    options = argparse.ArgumentParser()
    options.add_argument('--options', nargs='*', action=DictAction, default={})
    base = options.parse_args(['--options', *args.cfg_options]).options if args.cfg_options else {}
    state = state_dict_of(load_checkpoint_file(args.checkpoint))
    if not any(k.startswith('policy.') for k in state):
        raise ValueError(f'{args.checkpoint!r} holds no policy weights: expected a checkpoint of {args.config!r} '
                         'written during or at the end of the search')
    model, rows = None, []
    for run in runs:
        cfg = resolve_task_config(load_config(args.config, {**base, **run_options(run)}))
        if model is None:
            model = MODELS.build(cfg.model)
            try:
                model.policy.load_state_dict({k[len('policy.'):]: v for k, v in state.items()
                                              if k.startswith('policy.')})
            except RuntimeError as err:
                raise ValueError(f'the policy in {args.checkpoint!r} does not fit {args.config!r} '
                                 f'(other tasks or states?): {err}') from None
        hook = HOOKS.build(cfg.named_hooks.discretize)
        tasks = model.policy.topology(hook.masks(model.policy)[0])
        rows.append(dict(run, **sparsity_summary(run, tasks), topology=tasks))
    return rows


def target_cells(row: dict) -> tuple[str, str]:
    """The ``target`` and ``at target`` cells of a row of the tables."""
    target = '-' if row['target'] is None else f'{row["target"]:g}'
    reached = '-' if row['tasks_at_target'] is None else f'{row["tasks_at_target"]}/{row["tasks"]}'
    return target, reached


def print_reductions(rows: list[dict]) -> None:
    print(f'{"run":24s} {"target":>7s} {"sparsity":>9s} {"at target":>10s}  depth / width per task')
    for r in rows:
        target, reached = target_cells(r)
        shapes = ' '.join(f'{t} {v["depth"]:.0f}/{v["width"]:.0f}' for t, v in r['topology'].items())
        print(f'{r["name"]:24s} {target:>7s} {r["sparsity"]:9.3f} {reached:>10s}  {shapes}')


def main(argv=None):
    args = parse_args(argv)
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint'), (args.policy_from, '--policy-from')):
        if path is not None and not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path!r}')
    if args.policy_from:
        args.checkpoint = checkpoint_with_policy_of(args.checkpoint, args.policy_from, args.work_dir)
    runs = plan(args)
    if args.reduce_only:
        rows = reduce_only(runs, args)
        out = osp.join(args.work_dir, 'reductions.json')
        write_json_atomic(out, rows)
        print_reductions(rows)
        print(f'written to {out}')
        return
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:  # threads only wait on the processes
        for future in [pool.submit(execute, run, args) for run in runs]:
            future.result()
    rows = collect(runs, args)
    reference = rows[0]['metric']
    out = osp.join(args.work_dir, 'summary.json')
    write_json_atomic(out, rows)
    print(f'\n{args.metric} on the test split after fine-tuning, by reduction (Fig. 5)')
    print(f'{"run":24s} {"target":>7s} {"sparsity":>9s} {"at target":>10s} {"params":>9s} {args.metric:>12s} '
          f'{"vs ref.":>9s}')
    for r in rows:
        target, reached = target_cells(r)
        params = f'{r["parameters"] / 1e6:.3f}M' if r['parameters'] else '-'
        print(f'{r["name"]:24s} {target:>7s} {r["sparsity"]:9.3f} {reached:>10s} {params:>9s} {r["metric"]:12.3f} '
              f'{r["metric"] - reference:+9.3f}')
    short = [r['name'] for r in rows if r['tasks_at_target'] is not None and r['tasks_at_target'] < r['tasks']]
    if short:
        print(f'not every task reached its target in {", ".join(short)}: there the reduction stopped where each '
              f'link left was the last path from the input to the read-out')
    print(f'summary written to {out}')


if __name__ == '__main__':
    run_tool(main)
