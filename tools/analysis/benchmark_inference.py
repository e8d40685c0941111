"""Latency of one multi-task forward: gated supernet vs per-task skipping vs the compact model vs single-task nets.

On the same input, measured side by side in one process (warm-up, then the median of repeated runs in which
the variants take turns):

  (a) the gated supernet as the public learned-sharing code runs it: every unit computed for every task
      and multiplied by its gate (a skipped block: ``g·block(x) + (1 − g)·shortcut(x)`` with g = 0), one
      backbone pass per task;
  (b) per-task execution that skips: one pass per task, a skipped block runs only its shortcut;
  (c) the compact model (``mtlreg.models.compact``): only the used units, each shared prefix once;
  (d) K separate single-task networks (the whole backbone and a head per task);
  (e) ONE single-task network (the whole backbone and one head).

Printed: milliseconds, the ratio to (a) and to (e), and beside each the FLOP-proportional ideal
(its FLOPs over those of (a) and (e), counted by PyTorch's ``FlopCounterMode``).

    python tools/analysis/benchmark_inference.py CONFIG CHECKPOINT [--batch-size 1] [--input-size 64 64]
        [--threads 2] [--repeats 30]
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING

from mtlreg.utils.cli import ConfigOptionsAction, positive_int, run_tool

if TYPE_CHECKING:
    import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Inference latency of the compact model against the alternatives')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--batch-size', type=positive_int, default=1)
    parser.add_argument('--input-size', nargs=2, type=positive_int, metavar=('H', 'W'),
                        help='default: the size of the first test input')
    parser.add_argument('--threads', type=positive_int, help='torch threads (default: torch\'s)')
    parser.add_argument('--repeats', type=positive_int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='unpickle the checkpoint in full (only for a file you trust: unpickling can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction)
    parser.add_argument('--debug', action='store_true', help='show the full traceback of an error')
    return parser.parse_args(argv)


def official_style_forward(model, x: torch.Tensor) -> dict:
    """(a): per task, every unit computed and multiplied by its gate; then the head.

    Sequential blocks (AdaShare): ``g·block(h) + (1 − g)·shortcut(h)``. Modular layers (Gumbel-Matrix):
    ``Σ_c g_c·f_c(h) / max(Σ_c g_c, 1)`` over all components. A DAG network (no public code): every
    read-in, edge and read-out computed and multiplied by its binary gate.
    """
    backbone = model.backbone
    mask = model.policy.discretize().float()
    size = tuple(x.shape[-2:])
    outputs = {}
    for k, task in enumerate(model.task_names):
        if callable(getattr(backbone, 'sequential_units', None)):
            stem, units = backbone.sequential_units()
            h = stem(x)
            for g, (block, skip) in zip(mask[k], units):
                h = g * block(h) + (1 - g) * (h if skip is None else skip(h))
        elif callable(getattr(backbone, 'layered_units', None)):
            stem, layers = backbone.layered_units()
            h = x if stem is None else stem(x)
            for gates, (components, after) in zip(mask[k], layers):
                h = after(sum(g * c(h) for g, c in zip(gates, components)) / gates.sum().clamp_min(1.0))
        else:
            h = dag_all_links(backbone, x, mask[k])
        outputs[task] = model.heads[task](h, size)
    return outputs


def dag_all_links(backbone, x: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
    """A DAG network with every link computed and multiplied by its gate (Eq. 3–5 with binary gates)."""
    from mtlreg.structures.dag_grid import DAGGrid
    units = backbone.graph_units()
    grid = DAGGrid.of(gates)
    states = [x]
    for j in grid.hidden_nodes:
        size = backbone.state_size(x.shape, units['strides'][j - 1])
        sources = grid.predecessors(j, backbone.flow_constant)
        terms = [gates[grid.input_node, j] * units['read_in'][str(j)](x, size)]
        terms += [gates[i, j] * units['edges'][f'{i}_{j}'](states[i]) for i in sources]
        count = gates[grid.input_node, j] + sum(gates[i, j] for i in sources)
        states.append(sum(terms) / count.clamp_min(1.0))
    size = backbone.state_size(x.shape, units['read_out_stride'])
    return sum(gates[i, grid.output_node] * units['read_out'][str(i)](states[i], size) for i in grid.hidden_nodes)


def per_task_skipping(model, x: torch.Tensor) -> dict:
    """(b): one pass per task, a skipped block computing only its shortcut."""
    outputs = {}
    for task in model.task_names:
        outputs.update(model.task_outputs(x, [task]))
    return outputs


def single_task_networks(model, x: torch.Tensor, count: int) -> dict:
    """(d) with ``count`` = K, (e) with 1: the whole backbone and a head, ``count`` times."""
    size = tuple(x.shape[-2:])
    return {t: model.heads[t](model.backbone(x), size) for t in model.task_names[:count]}


def latencies_ms(fns: dict, repeats: int, warmup: int) -> dict[str, float]:
    """Median milliseconds of each function, the functions taking turns (so drifts of the machine's
    speed during the run touch every variant alike and the ratios stay comparable)."""
    import torch
    times = {name: [] for name in fns}
    with torch.no_grad():
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(values) for name, values in times.items()}


def flops(fn) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        fn()
    return int(counter.get_total_flops())


def variants(model, compact, x: torch.Tensor) -> dict:
    k = len(model.task_names)
    return {
        '(a) gated supernet, official style': lambda: official_style_forward(model, x),
        '(b) per-task passes that skip': lambda: per_task_skipping(model, x),
        '(c) compact shared-prefix model': lambda: compact(x),
        f'(d) {k} single-task networks': lambda: single_task_networks(model, x, k),
        '(e) one single-task network': lambda: single_task_networks(model, x, 1),
    }


def main(argv=None):
    args = parse_args(argv)  # --help and argument errors return before the heavy imports below
    import torch

    from mtlreg.apis.trained_model import first_test_input_shape, load_trained_model
    from mtlreg.models.compact import compile_model
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg, model = load_trained_model(args.config, args.checkpoint, args.cfg_options,
                                    trust_checkpoint=args.trust_checkpoint)
    if args.input_size:
        shape = (cfg.model.backbone.get('in_channels', 3), *args.input_size)
    else:
        shape = first_test_input_shape(cfg)
    compact = compile_model(model)
    x = torch.randn(args.batch_size, *shape)
    runs = variants(model, compact, x)
    with torch.no_grad():
        reference = runs['(a) gated supernet, official style']()
        got = compact(x)
    error = max(float((reference[t] - got[t]).abs().max()) for t in got)
    cost = {name: flops(fn) for name, fn in runs.items()}
    times = latencies_ms(runs, args.repeats, args.warmup)
    a, e = '(a) gated supernet, official style', '(e) one single-task network'
    print(f'batch {args.batch_size}, input {"×".join(map(str, shape))}, {torch.get_num_threads()} threads, '
          f'median of {args.repeats} turns after {args.warmup} warm-up turns; max |(c) − (a)| = {error:.1e}')
    print(f'{"variant":38s} {"ms":>8s} {"/(a)":>6s} {"ideal":>6s} {"/(e)":>6s} {"ideal":>6s} {"GFLOPs":>7s}')
    for name in runs:
        print(f'{name:38s} {times[name]:8.2f} {times[name] / times[a]:6.2f} {cost[name] / cost[a]:6.2f} '
              f'{times[name] / times[e]:6.2f} {cost[name] / cost[e]:6.2f} {cost[name] / 1e9:7.3f}')
    c = '(c) compact shared-prefix model'
    print(f'(c) against its FLOP-proportional ideal: {(times[c] / times[a]) / (cost[c] / cost[a]):.2f}×')


if __name__ == '__main__':
    run_tool(main)
