"""The test report of a run: metrics, Δ_T, parameters against single-task networks, FLOPs per task."""
from __future__ import annotations

from mtlreg.models.complexity import task_flops
from mtlreg.utils.atomic_io import write_json_atomic


def build_report(model, metrics: dict, input_shape: tuple[int, ...] | None = None, **extra) -> dict:
    """Collect the metrics and, for a multi-task model, its parameter counts and per-task FLOPs."""
    report = dict(extra)
    report['metrics'] = {k: float(v) for k, v in metrics.items()}
    if hasattr(model, 'parameter_counts'):
        report['parameters'] = model.parameter_counts()
    if input_shape is not None and hasattr(model, 'task_outputs'):
        report['flops_per_task'] = task_flops(model, tuple(input_shape))
    return report


def input_shape_of(dataloader) -> tuple[int, ...] | None:
    """``(C, H, W)`` of the first input of a dataloader (``None`` when it cannot tell)."""
    try:
        batch = next(iter(dataloader))
    except StopIteration:
        return None
    inputs = batch['inputs'] if isinstance(batch, dict) else None
    if inputs is None:
        return None
    first = inputs[0]
    return tuple(first.shape)


def summary_lines(report: dict) -> list[str]:
    """A few readable lines: Δ_T, parameters relative to single-task networks, FLOPs per task."""
    lines = []
    metrics = report.get('metrics', {})
    if 'delta/mean' in metrics:
        per_task = ', '.join(f'{k[len("delta/"):]} {v:+.2f} %' for k, v in metrics.items()
                             if k.startswith('delta/') and k != 'delta/mean')
        lines.append(f'Δ_T = {metrics["delta/mean"]:+.2f} % vs single-task ({per_task})')
    params = report.get('parameters')
    if params and 'ratio_to_single_task' in params:
        lines.append(f'Parameters: {params["total"] / 1e6:.3f}M = {params["ratio_to_single_task"]:.3f} × '
                     f'{len([k for k in params if k.startswith("task/")])} single-task networks '
                     f'({params["single_task_total"] / 1e6:.3f}M)')
    flops = report.get('flops_per_task')
    if flops:
        lines.append('FLOPs per task (one input): ' + ', '.join(f'{t} {v / 1e6:.1f}M' for t, v in flops.items()))
    return lines


def write_report(report: dict, path: str) -> bool:
    """Write the report as JSON, atomically, from the main process only.

    Every rank holds the same report (the evaluator gathers the metrics of all ranks), so one file is
    written once, not raced for by every rank of every node.

    Returns:
        Whether this process wrote it.
    """
    from mmengine.dist import is_main_process
    if not is_main_process():
        return False
    write_json_atomic(path, report)
    return True
