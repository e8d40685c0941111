"""Train and test configs over several seeds; print a metric's mean ± std and what the policies learned.

Each (config, seed) run is ``tools/train.py CONFIG --test`` with ``randomness.seed`` set, in
``<work-dir>/<config name>/seed<seed>``; a run whose ``test_metrics.json`` exists is not repeated, so an
interrupted sweep continues where it stopped. Per config the table gives the test metric over the seeds,
the share of active units of the final discrete policy, the number of distinct task embeddings and,
with ``--expect-groups``, in how many seeds the tasks with identical allocations are exactly the
expected groups.

Example (the Gumbel-Matrix synthetic benchmark)::

    python tools/analysis/seed_sweep.py configs/gumbel_matrix/gumbel_matrix_fc_synthetic-4task.py \\
        configs/gumbel_matrix/no_sharing_fc_synthetic-4task.py --seeds 0 1 2 3 4 5 6 7 8 9 \\
        --metric mean/mse --expect-groups pair1_a,pair1_b pair2_a,pair2_b

With ``--backend ray`` every run is a Ray task (``--address``, ``--cpus-per-run``, ``--gpus-per-run``;
see docs/distributed.md).
"""
import argparse
import functools
import json
import os
import os.path as osp
import statistics
import sys
from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.utils.cli import run_tool
from mtlreg.utils.run_backends import RunBackend, add_backend_arguments

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train and test configs over seeds and summarise them')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2], help='seeds (randomness.seed)')
    parser.add_argument('--metric', required=True, help='test metric to summarise, e.g. mean/accuracy')
    parser.add_argument('--work-dir', default='work_dirs/seed_sweep', help='parent of the run directories')
    parser.add_argument('--expect-groups', nargs='+', metavar='T1,T2',
                        help='the expected groups of tasks with identical allocations (every task in one group)')
    parser.add_argument('--data-root', action='append', default=[], metavar='PREFIX=PATH',
                        help='passed to tools/train.py')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='passed to tools/train.py')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (each then uses one thread: OMP_NUM_THREADS=1)')
    add_backend_arguments(parser)
    parser.add_argument('--out', help='JSON file for the summary (default: <work-dir>/summary.json)')
    return parser.parse_args(argv)


def run_dir(work_dir: str, config: str, seed: int) -> str:
    return osp.join(work_dir, osp.splitext(osp.basename(config))[0], f'seed{seed}')


def train(config: str, seed: int, directory: str, args, backend: RunBackend | None = None) -> None:
    """Run one training + test unless its report exists; raise with the log's tail on failure.

    ``backend``: where it runs (default: a local process, one thread each when ``args.jobs`` > 1).
    """
    if osp.isfile(osp.join(directory, 'test_metrics.json')):
        return
    backend = backend or RunBackend('local', max(1, args.jobs))
    os.makedirs(directory, exist_ok=True)
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', directory, '--test',
           '--cfg-options', f'randomness.seed={seed}', *args.cfg_options]
    for item in args.data_root:
        cmd += ['--data-root', item]
    print(f'[seed_sweep] {osp.basename(config)} seed {seed} ...', flush=True)
    code = backend.launch(cmd, osp.join(directory, 'sweep.log'), cwd=REPO, log_mode='w')
    if code:
        with open(osp.join(directory, 'sweep.log')) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{config} seed {seed} failed (exit {code}); log {directory}/sweep.log:\n{tail}')


def read_json(path: str):
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def active_share(policy: dict | None) -> float | None:
    """Share of (task, unit) pairs the final discrete policy uses."""
    if not policy:
        return None
    flat = []

    def walk(x):
        if isinstance(x, list):
            for y in x:
                walk(y)
        else:
            flat.append(x)
    for mask in policy['mask'].values():
        walk(mask)
    return sum(flat) / len(flat)


def summarise(config: str, seeds: list[int], args, expected: list[set] | None) -> dict:
    rows = []
    for seed in seeds:
        directory = run_dir(args.work_dir, config, seed)
        report = read_json(osp.join(directory, 'test_metrics.json'))
        if args.metric not in report['metrics']:
            raise KeyError(f'{config}: the test report has no {args.metric!r}; it has {sorted(report["metrics"])}')
        embeddings = read_json(osp.join(directory, 'task_embeddings', 'task_embeddings.json'))
        policy = read_json(osp.join(directory, 'policy', 'policy_final.json'))
        groups = embeddings['identical_groups'] if embeddings else None
        rows.append({'seed': seed, 'metric': report['metrics'][args.metric], 'active': active_share(policy),
                     'distinct': embeddings['distinct'] if embeddings else None, 'groups': groups,
                     'groups_as_expected': (sorted(map(sorted, groups)) == sorted(map(sorted, expected))
                                            if groups is not None and expected else None)})
    values = [r['metric'] for r in rows]
    return {'config': config, 'metric': args.metric, 'mean': statistics.mean(values),
            'std': statistics.stdev(values) if len(values) > 1 else 0.0, 'runs': rows}


def main(argv=None):
    args = parse_args(argv)
    backend = RunBackend.from_args(args, jobs=max(1, args.jobs))
    expected = [set(g.split(',')) for g in args.expect_groups] if args.expect_groups else None
    for config in args.configs:
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config!r}')
    runs = [(config, seed) for config in args.configs for seed in args.seeds]
    backend.run_all([functools.partial(train, c, s, run_dir(args.work_dir, c, s), args, backend) for c, s in runs])
    summary = [summarise(c, args.seeds, args, expected) for c in args.configs]
    out = args.out or osp.join(args.work_dir, 'summary.json')
    write_json_atomic(out, summary)
    print(f'\n{args.metric} on the test split over seeds {args.seeds}')
    print(f'{"config":48s} {"mean":>9s} {"std":>8s} {"active":>7s} {"distinct":>8s} {"groups ok":>9s}')
    for s in summary:
        runs = s['runs']
        active = [r['active'] for r in runs if r['active'] is not None]
        distinct = [r['distinct'] for r in runs if r['distinct'] is not None]
        ok = [r['groups_as_expected'] for r in runs if r['groups_as_expected'] is not None]
        print(f'{osp.splitext(osp.basename(s["config"]))[0]:48s} {s["mean"]:9.4f} {s["std"]:8.4f} '
              f'{(f"{100 * statistics.mean(active):.0f}%" if active else "-"):>7s} '
              f'{(f"{statistics.mean(distinct):.1f}" if distinct else "-"):>8s} '
              f'{(f"{sum(ok)}/{len(ok)}" if ok else "-"):>9s}')
        print('    per seed: ' + ', '.join(f'{r["seed"]}: {r["metric"]:.4f}' for r in runs))
    print(f'summary written to {out}')


if __name__ == '__main__':
    run_tool(main)
