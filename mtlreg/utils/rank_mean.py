"""The mean over the processes of a distributed run of the scalars each process logs."""
from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Mapping

import torch
import torch.distributed as torch_dist


def _world() -> int:
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return 1
    return torch_dist.get_world_size()


def mean_over_ranks(values: Mapping[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """``{name: scalar}`` averaged over the processes (each name over the processes that log it).

    Outside a distributed run the values come back as they are. Every process must call it in the
    same step (it is a collective). The common case, every process logging the same names, costs
    two small collectives (a check of the names, then one all-reduce of the stacked values); if the
    names differ (one process's batch held other tasks), each name is averaged over the processes
    that have it.
    """
    world = _world()
    if world == 1 or not values:
        return OrderedDict(values)
    names = list(values)
    first = next(iter(values.values()))
    device = first.device if torch_dist.get_backend() != 'gloo' else torch.device('cpu')
    signature = torch.tensor([zlib.crc32('\0'.join(names).encode()), len(names)], dtype=torch.int64, device=device)
    signatures = [torch.empty_like(signature) for _ in range(world)]
    torch_dist.all_gather(signatures, signature)
    if all(torch.equal(s, signature) for s in signatures):
        stacked = torch.stack([values[n].detach().to(device=device, dtype=torch.float64).reshape(()) for n in names])
        torch_dist.all_reduce(stacked)
        stacked /= world
        return OrderedDict((n, stacked[i].to(dtype=values[n].dtype, device=values[n].device))
                           for i, n in enumerate(names))
    gathered = [None] * world
    torch_dist.all_gather_object(gathered, {n: float(v) for n, v in values.items()})
    out = OrderedDict()
    for n, v in values.items():
        seen = [g[n] for g in gathered if n in g]
        out[n] = torch.tensor(sum(seen) / len(seen), dtype=v.dtype, device=v.device)
    return out
