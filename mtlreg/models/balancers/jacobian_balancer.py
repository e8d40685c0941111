"""Balancers that aggregate the Jacobian of the task losses with respect to the shared parameters."""
from __future__ import annotations

import contextlib
import importlib
from typing import Iterator, Sequence

import torch

from .gradient_balancer import GradientBalancer

#: how to install the optional solvers some aggregators need (CAGrad, Nash-MTL, FairGrad)
SOLVERS_INSTALL = "pip install 'mtlreg[solvers]'"


def torchjd_aggregation():
    """``torchjd.aggregation``, imported when a Jacobian balancer is built (it loads a QP solver)."""
    import torchjd.aggregation
    return torchjd.aggregation


def require_packages(balancer: str, packages: Sequence[str]) -> None:
    """Raise ``ImportError`` naming ``balancer``, the missing ``packages`` and the command that installs them."""
    missing = []
    for name in packages:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        verb = 'is' if len(missing) == 1 else 'are'
        raise ImportError(f"{balancer} needs {', '.join(missing)}, which {verb} not installed; "
                          f'install the solvers with: {SOLVERS_INSTALL}')


def step_seed(seed: int, steps: torch.Tensor | int) -> int:
    """The seed of one aggregation: from the balancer's ``seed`` and its step count."""
    return int(seed) * 1000003 + int(steps)


@contextlib.contextmanager
def seeded_random(seed: int, device: torch.device) -> Iterator[None]:
    """Inside, the global generators of the CPU and of ``device`` start from ``seed``; after, they are as before.

    For aggregators that draw from the global generators (GradDrop's ``torch.rand``, GradVac's
    ``torch.randperm``): every process of a distributed run, and a resumed run, draws the same.
    """
    device = torch.device(device)
    if device.type == 'cpu':
        with torch.random.fork_rng(devices=[]):
            torch.random.default_generator.manual_seed(seed)
            yield
        return
    module = torch.get_device_module(device.type)
    index = device.index
    if index is None:
        index = module.current_device() if hasattr(module, 'current_device') else 0
    with torch.random.fork_rng(devices=[index], device_type=device.type):
        torch.random.default_generator.manual_seed(seed)
        if hasattr(module, 'device'):
            with module.device(index):
                module.manual_seed(seed)
        else:
            module.manual_seed(seed)
        yield


class JacobianBalancer(GradientBalancer):
    """Stacks the per-task gradients of the shared parameters into the Jacobian ``J`` (K × n) and aggregates it.

    The aggregation is a torchjd aggregator (``self.aggregator``; Quinton & Rey, "Jacobian Descent for
    Multi-Objective Optimization", 2024): a subclass builds it. Where the aggregator is a weighting of
    the rows of ``J`` (``d = wᵀ J``: MGDA, UPGrad, IMTL-G, ...) the weights ``w`` are logged as the
    effective task weights (times the static λ_k, since the rows are the gradients of ``λ_k L_k``);
    aggregators that are not a weighting of the rows (ConFIG, GradDrop) log the static weights. The
    task-specific parameters get the gradient of ``Σ_k λ_k L_k``. A stateless aggregator that weighs the
    rows from their Gramian also takes ``gradients='representation'`` (see ``GradientBalancer``). In a
    distributed run the rows are
    averaged over the processes before the aggregation (``GradientBalancer.update``), so every process
    aggregates the Jacobian of the global batch. The rows are in the order of ``task_names``.

    The aggregator is not a submodule: it is outside the balancer's module tree and ``state_dict``.
    An aggregator that keeps a state from step to step (an EMA, running sums) is saved in the
    balancer's checkpoint by :class:`~mtlreg.models.balancers.aggregator_mixins.AggregatorStateMixin`.
    """

    #: whether every step needs the gradient of every task (an aggregator whose state is per task)
    needs_every_task: bool = False

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 gradients: str = 'parameters'):
        self.__dict__['aggregator'] = None
        super().__init__(task_names, task_weights, gradients)
        self._weights = dict(self.task_weights)

    def __setattr__(self, name, value):
        if name == 'aggregator':  # a plain attribute, not a submodule: its state is not in the module tree
            self._modules.pop(name, None)
            self.__dict__[name] = value
            if getattr(self, 'gradients', 'parameters') == 'representation' and not self.weighs_by_gramian():
                raise ValueError(f"{type(self).__name__}: gradients='representation' needs an aggregator that weighs "
                                 f'the tasks from the Gramian of their gradients and keeps no state, and '
                                 f"{type(value).__name__} does not; use gradients='parameters'")
            return
        super().__setattr__(name, value)

    def weighs_by_gramian(self) -> bool:
        """Whether the aggregator is a stateless weighting computed from the Gramian (MGDA, UPGrad, CAGrad, ...)."""
        if type(self).aggregate is not JacobianBalancer.aggregate:  # a state or seeded draws around it
            return False
        return self.aggregator is None or isinstance(self.aggregator, torchjd_aggregation().GramianWeightedAggregator)

    def gramian_weights(self, gramian: torch.Tensor, tasks: Sequence[str]) -> torch.Tensor:
        gramian = gramian.to(torch.float32)
        self.place_preference(gramian)
        return self.aggregator.gramian_weighting(gramian)

    def place_preference(self, like: torch.Tensor) -> None:
        """Put a preference vector's weights (torchjd keeps them where they were built: on the CPU, in float32) on
        ``like``'s device and dtype, so that a CUDA or float64 Jacobian aggregates with them."""
        constant = torchjd_aggregation().ConstantWeighting
        for module in self.aggregator.modules():
            if isinstance(module, constant) and (module.weights.device != like.device
                                                 or module.weights.dtype != like.dtype):
                module.weights = module.weights.to(device=like.device, dtype=like.dtype)

    def record_weights(self, weights: dict[str, float]) -> None:
        self._weights = {t: w * self.task_weights[t] for t, w in weights.items()}

    def extra_repr(self) -> str:
        return f'aggregator={self.aggregator!r}'

    def require(self, *packages: str) -> None:
        """Raise a clear ``ImportError`` (the balancer, the packages, the install command) if any is missing."""
        require_packages(type(self).__name__, packages)

    def preference(self, pref_vector: Sequence[float] | None) -> torch.Tensor | None:
        """A preference over the tasks as a tensor (None: the aggregator's default), one value per task."""
        if pref_vector is None:
            return None
        pref = torch.as_tensor(pref_vector, dtype=torch.float32)
        if pref.shape != (len(self.task_names),):
            raise ValueError(f'{type(self).__name__}: pref_vector needs one value per task {self.task_names}, '
                             f'got {list(pref_vector)}')
        return pref

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        self.check_tasks(losses)
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def aggregate(self, jacobian: torch.Tensor, tasks: Sequence[str] | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The aggregated gradient ``d`` (n) of ``jacobian`` (K × n) and the row weights (K), or None.

        ``tasks`` names the rows (default: every task, in the order of ``task_names``).
        """
        self.place_preference(jacobian)
        weighted = torchjd_aggregation().WeightedAggregator
        if isinstance(self.aggregator, weighted):
            weights = self.aggregator.weighting(jacobian)
            return weights @ jacobian, weights
        return self.aggregator(jacobian), None

    def row_tasks(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[str]:
        """The tasks of the Jacobian's rows, in the order of ``task_names``; raises for unknown or missing tasks."""
        unknown = [t for t in task_gradients if t not in self.task_weights]
        if unknown:
            raise KeyError(f'{type(self).__name__}: gradients of unknown tasks {unknown}; tasks are {self.task_names}')
        tasks = [t for t in self.task_names if t in task_gradients]
        if self.needs_every_task and len(tasks) != len(self.task_names):
            missing = [t for t in self.task_names if t not in task_gradients]
            raise ValueError(f'{type(self).__name__}: keeps a state per task and needs the gradient of every task '
                             f'{self.task_names} at every step; missing {missing} (for batches that hold only some '
                             'tasks use a balancer without a state)')
        return tasks

    def shared_gradients(self, task_gradients: dict[str, list[torch.Tensor]]) -> list[torch.Tensor]:
        tasks = self.row_tasks(task_gradients)
        shapes = [g.shape for g in task_gradients[tasks[0]]]
        jacobian = torch.stack([torch.cat([g.reshape(-1) for g in task_gradients[t]]) for t in tasks])
        combined, weights = self.aggregate(jacobian, tasks)
        if weights is not None:
            self._weights = {t: float(weights[k]) * self.task_weights[t] for k, t in enumerate(tasks)}
        chunks = torch.split(combined.to(jacobian.dtype), [s.numel() for s in shapes])
        return [chunk.view(shape) for chunk, shape in zip(chunks, shapes)]

    def current_weights(self) -> dict[str, float]:
        return dict(self._weights)
