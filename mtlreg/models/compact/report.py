"""What a compact model costs: parameters and FLOPs per task and for one multi-task forward, and who shares what."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..complexity import task_flops
from .model import CompactMultiTaskModel
from .prefix_tree import needed_nodes


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def _flops(fn) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return int(counter.get_total_flops())


def sharing_groups(compact: CompactMultiTaskModel) -> list[dict]:
    """Per node of the compact backbone: its unit, its parent (a tree) or depth (a DAG's state), and the
    tasks whose path runs through it."""
    backbone = compact.backbone
    tree = hasattr(backbone, 'leaves')  # a prefix tree (sequential, modular); else a DAG of states
    needed = {t: needed_nodes(backbone.nodes, [backbone.leaves[t]]) if tree else backbone.needed([t])
              for t in backbone.task_names}
    rows = []
    for n, node in enumerate(backbone.nodes):
        tasks = [t for t in backbone.task_names if n in needed[t]]
        row = dict(node=n, parent=node[0] if tree else -1, unit=backbone.node_label(n), tasks=tasks)
        if not tree:
            row['depth'] = node[0]  # the state's place in the DAG's order (states count from 1)
        rows.append(row)
    return rows


def compact_report(supernet, compact: CompactMultiTaskModel, input_shape: tuple[int, ...]) -> dict:
    """Parameters and FLOPs (PyTorch's ``FlopCounterMode``, a multiply-add = 2) of the compact model.

    * parameters: in total, per task (the stem, the units on its path and its
      head; for modular layers also each layer's norm), and relative to K single-task networks (the supernet's
      ``parameter_counts``: K copies of the whole backbone plus the heads);
    * FLOPs of one input: per task alone, for one multi-task forward of the
      compact model (shared nodes once), and for the gated supernet run one
      pass per task (the supernet's own per-task FLOPs, summed);
    * which tasks share each node.
    """
    backbone = compact.backbone
    per_task = {t: backbone.task_parameter_count(t) + _count(compact.heads[t]) for t in compact.task_names}
    reference = supernet.parameter_counts()['single_task_total']
    total = _count(compact)
    compact.eval()
    x = torch.zeros((1, *input_shape))
    flops_task = {t: _flops(lambda t=t: compact(x, tasks=[t])) for t in compact.task_names}
    flops_all = _flops(lambda: compact(x))
    supernet_flops = task_flops(supernet, tuple(input_shape))
    return {
        'parameters': {'total': total, **{f'task/{t}': n for t, n in per_task.items()},
                       'single_task_total': reference, 'ratio_to_single_task': total / reference},
        'flops': {'per_task': flops_task, 'multi_task_forward': flops_all,
                  'sum_of_tasks': sum(flops_task.values()),
                  'supernet_one_pass_per_task': sum(supernet_flops.values())},
        'input_shape': list(input_shape),
        'sharing': sharing_groups(compact),
    }


def report_lines(report: dict) -> list[str]:
    """A readable summary of :func:`compact_report`."""
    params, flops = report['parameters'], report['flops']
    tasks = [k[len('task/'):] for k in params if k.startswith('task/')]
    lines = [f'Parameters: {params["total"] / 1e6:.3f}M = {params["ratio_to_single_task"]:.3f} × {len(tasks)} '
             f'single-task networks ({params["single_task_total"] / 1e6:.3f}M); per task: '
             + ', '.join(f'{t} {params[f"task/{t}"] / 1e6:.3f}M' for t in tasks),
             f'FLOPs of one {"×".join(map(str, report["input_shape"]))} input: one multi-task forward '
             f'{flops["multi_task_forward"] / 1e6:.1f}M (tasks alone, summed: {flops["sum_of_tasks"] / 1e6:.1f}M; '
             f'gated supernet, one pass per task: {flops["supernet_one_pass_per_task"] / 1e6:.1f}M)',
             'FLOPs per task: ' + ', '.join(f'{t} {v / 1e6:.1f}M' for t, v in flops['per_task'].items()),
             'Sharing tree (node: unit <- parent, tasks):']
    for row in report['sharing']:
        lines.append(f'  {row["node"]:3d}: {row["unit"] or "(identity)":10s} <- '
                     f'{"stem" if row["parent"] < 0 else row["parent"]:>4}  {",".join(row["tasks"])}')
    return lines
