"""Print how a policy's probabilities moved over a search, from a run's logged scalars.

``PolicyVisualizationHook`` logs ``policy/<task>/unit<u>`` (the probability that the task runs unit u:
AdaShare's execute probability α) at the end of every policy epoch. This tool reads them back from the
run's ``vis_data/scalars.json`` and prints one line per selected iteration: per task one digit per unit,
⌊10 p⌋ (9 for p = 1), and how many of all probabilities are decided (p ≤ 0.2 or p ≥ 0.8). Example::

    python tools/analysis/policy_trajectory.py work_dirs/adashare_resnet18_scenes-5task --every 4
"""
import argparse
import glob
import json
import os.path as osp
import re

from mtlreg.utils.cli import positive_int, run_tool
from mtlreg.utils.errors import MtlregError

KEY = re.compile(r'^policy/(?P<task>.+)/unit(?P<unit>\d+)$')
DECIDED = 0.2  # a probability within this of 0 or 1 counts as decided


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run', help="a run's work dir, one of its timestamped log dirs, or a scalars.json file")
    parser.add_argument('--every', type=positive_int, default=1, help='print every n-th logged policy epoch')
    return parser.parse_args(argv)


def find_scalars(run: str) -> str:
    """The ``scalars.json`` of ``run``: the file itself, or the newest one below the directory."""
    if osp.isfile(run):
        return run
    candidates = (glob.glob(osp.join(run, 'vis_data', 'scalars.json')) +
                  glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')))
    if not candidates:
        raise MtlregError(f'{run}: no vis_data/scalars.json in it or in its timestamped log dirs '
                          "(a run logs one with the config's LocalVisBackend)")
    return max(candidates, key=osp.getmtime)


def read_trajectory(path: str) -> tuple[list[str], list[tuple[int, list[list[float]]]]]:
    """Tasks (in logged order) and, per logged step, the task × unit probabilities."""
    tasks, steps = None, []
    with open(path, encoding='utf-8') as file:
        for number, line in enumerate(file, 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise MtlregError(f'{path}, line {number}: not a JSON object ({err.msg})') from None
            grid = {}
            for key, value in row.items():
                match = KEY.match(key)
                if match:
                    grid.setdefault(match['task'], {})[int(match['unit'])] = float(value)
            if not grid:
                continue
            tasks = tasks or list(grid)
            if set(grid) != set(tasks):
                raise MtlregError(f'{path}, line {number}: step {row.get("step")} logs the policy of tasks '
                                  f'{sorted(grid)}, earlier steps of {sorted(tasks)}')
            if any(set(units) != set(range(len(units))) for units in grid.values()):
                raise MtlregError(f'{path}, line {number}: the policy/<task>/unit<u> scalars of step '
                                  f"{row.get('step')} do not number the units 0, 1, ...")
            steps.append((int(row['step']), [[grid[t][u] for u in range(len(grid[t]))] for t in tasks]))
    if not steps:
        raise MtlregError(f'{path}: no policy/<task>/unit<u> scalars (a PolicyVisualizationHook logs them '
                          "while the policy is in 'search' mode)")
    return tasks, steps


def digits(probabilities: list[float]) -> str:
    """One digit per probability: ⌊10 p⌋, 9 for p = 1."""
    return ''.join(str(min(9, int(10 * p))) for p in probabilities)


def decided(grid: list[list[float]]) -> tuple[int, int]:
    """How many of the probabilities are within ``DECIDED`` of 0 or 1, and how many there are."""
    values = [p for row in grid for p in row]
    return sum(p <= DECIDED or p >= 1 - DECIDED for p in values), len(values)


def trajectory_lines(tasks: list[str], steps: list, every: int = 1) -> list[str]:
    """Every ``every``-th step and always the last: the digits per task and the decided count."""
    chosen = steps[every - 1::every]
    if not chosen or chosen[-1] is not steps[-1]:
        chosen.append(steps[-1])
    width = len(str(steps[-1][0]))
    lines = []
    for step, grid in chosen:
        done, total = decided(grid)
        cells = '  '.join(f'{task} {digits(row)}' for task, row in zip(tasks, grid))
        lines.append(f'iteration {step:>{width}}  {cells}  decided {done}/{total}')
    return lines


def main():
    args = parse_args()
    path = find_scalars(args.run)
    tasks, steps = read_trajectory(path)
    print(f'{path}: {len(steps)} policy epochs; per task ⌊10 p⌋ per unit, '
          f'decided = p ≤ {DECIDED} or p ≥ {1 - DECIDED}')
    for line in trajectory_lines(tasks, steps, args.every):
        print(line)


if __name__ == '__main__':
    run_tool(main)
