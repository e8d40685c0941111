"""Per-task cost of a multi-task model: the FLOPs each task's forward pass runs."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


@torch.no_grad()
def task_flops(model, input_shape: tuple[int, ...]) -> dict[str, int]:
    """FLOPs of one sample's forward pass per task, in evaluation mode (the discrete policy).

    Counts what really runs for the task alone: the backbone units its gates
    execute (a gate of exactly 0 computes only the shortcut) and its head. A
    multiply-add counts as two FLOPs (PyTorch's ``FlopCounterMode``).

    Args:
        model: a ``MultiTaskModel``.
        input_shape: ``(C, H, W)`` of one input.
    """
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        inputs = torch.zeros((1, *input_shape), device=device)
        flops = {}
        for task in model.task_names:
            counter = FlopCounterMode(display=False)
            with counter:
                model.task_outputs(inputs, [task])
            flops[task] = int(counter.get_total_flops())
        return flops
    finally:
        model.train(was_training)


@torch.no_grad()
def multitask_flops(model, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one sample's multi-task forward (every task's output), in evaluation mode.

    What several tasks share runs once (a shared bottom is one backbone pass
    plus a head per task), so this is the inference cost of the whole network.
    """
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        counter = FlopCounterMode(display=False)
        with counter:
            model.task_outputs(torch.zeros((1, *input_shape), device=device))
        return int(counter.get_total_flops())
    finally:
        model.train(was_training)
