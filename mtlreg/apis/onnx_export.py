"""ONNX export of a compact model (torch.onnx's ``torch.export``-based exporter), checked in onnxruntime."""
from __future__ import annotations

import numpy as np
import torch

from mtlreg.utils.atomic_io import atomic_path


def export_onnx(compact: torch.nn.Module, example: torch.Tensor, path: str) -> None:
    """Write ``compact`` as ONNX: input ``image``, one output per task named after it."""
    compact.eval()
    program = torch.onnx.export(compact, (example,), dynamo=True, input_names=['image'],
                                output_names=list(compact.task_names), verbose=False)
    with atomic_path(path) as partial:
        program.save(partial)


def onnxruntime_outputs(path: str, inputs: torch.Tensor) -> dict[str, np.ndarray]:
    """Run an exported model in onnxruntime on the CPU: ``{output name: array}``."""
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    names = [o.name for o in session.get_outputs()]
    values = session.run(None, {session.get_inputs()[0].name: inputs.detach().cpu().numpy()})
    return dict(zip(names, values))
