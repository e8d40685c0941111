"""Finding the tensors of a model or state dict that hold NaN or infinite values."""
from __future__ import annotations

from typing import Iterable

import torch


def nonfinite_tensors(named: Iterable[tuple[str, torch.Tensor]], limit: int = 5) -> list[str]:
    """Names of the first ``limit`` floating-point tensors that hold a NaN or an infinity."""
    found = []
    for name, tensor in named:
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            found.append(name)
            if len(found) >= limit:
                break
    return found


def model_nonfinite_tensors(model: torch.nn.Module, limit: int = 5) -> list[str]:
    """The model's parameters and buffers that hold non-finite values (first ``limit``)."""
    return nonfinite_tensors(model.state_dict(keep_vars=True).items(), limit)
