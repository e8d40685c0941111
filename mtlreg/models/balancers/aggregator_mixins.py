"""What some Jacobian balancers add: an aggregator state saved in the checkpoint, and seeded random draws."""
from __future__ import annotations

from typing import Any

import torch

from .jacobian_balancer import seeded_random, step_seed

#: the layout of the saved aggregator state; ``set_extra_state`` refuses any other
STATE_VERSION = 1


def _portable(value: Any) -> Any:
    """A state value as it goes into a checkpoint: tensors as CPU copies, numbers and None as they are."""
    if isinstance(value, torch.Tensor):
        return value.detach().to('cpu', copy=True)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f'aggregator state: {type(value).__name__} is not a tensor, a number or None')


class AggregatorStateMixin:
    """For a :class:`~mtlreg.models.balancers.jacobian_balancer.JacobianBalancer` whose aggregator keeps a state.

    torchjd's stateful aggregators (GradVac's EMA of the cosines, ExcessMTL's running sums, Nash-MTL's
    previous solution, CR-MOGM's previous weights) register buffers that are ``None`` until the first
    step and keep plain attributes beside them. The aggregator is kept out of the module tree, and
    its state goes into the balancer's ``state_dict`` as one ``_extra_state`` entry: a dict of CPU
    tensors, numbers and None (``torch.load(weights_only=True)`` reads it). The entry is there from
    construction on, so a state saved before the first step and one saved after it both load
    strictly into a fresh balancer, and a resumed run continues the state exactly. Loaded tensors
    are moved to the Jacobian's device and dtype at the next aggregation (:meth:`place_aggregator_state`).

    A subclass lists it before ``JacobianBalancer`` and implements :meth:`aggregator_state`,
    :meth:`load_aggregator_state` and, where the state has tensors, :meth:`place_aggregator_state`.
    Its state is per task, so every step needs every task's gradient.
    """

    needs_every_task = True

    def aggregator_state(self) -> dict[str, Any]:
        """The aggregator's state: names to tensors, numbers or None (None before the first step)."""
        raise NotImplementedError

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        """Give the aggregator back a state :meth:`aggregator_state` returned (its keys are checked)."""
        raise NotImplementedError

    def place_aggregator_state(self, jacobian: torch.Tensor) -> None:
        """Move the state's tensors to where the aggregator keeps them for ``jacobian`` (its device, dtype)."""

    def get_extra_state(self) -> dict[str, Any]:
        return {'version': STATE_VERSION,
                'aggregator': {k: _portable(v) for k, v in self.aggregator_state().items()}}

    def set_extra_state(self, state: Any) -> None:
        name = type(self).__name__
        if not isinstance(state, dict) or state.get('version') != STATE_VERSION or \
                not isinstance(state.get('aggregator'), dict):
            raise ValueError(f'{name}: the aggregator state in the checkpoint is not one this balancer writes '
                             f"(expected a dict with version {STATE_VERSION} and 'aggregator')")
        expected, got = set(self.aggregator_state()), set(state['aggregator'])
        if got != expected:
            raise ValueError(f'{name}: the aggregator state in the checkpoint has keys {sorted(got)}, '
                             f'expected {sorted(expected)}')
        self.load_aggregator_state(dict(state['aggregator']))

    def check_state_shape(self, key: str, value: torch.Tensor | None, shape: tuple[int, ...]) -> None:
        """Raise naming the balancer and ``key`` if a loaded tensor does not have ``shape``."""
        if value is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f'{type(self).__name__}: the aggregator state {key!r} in the checkpoint has shape '
                             f'{tuple(value.shape)}, expected {tuple(shape)} for the tasks {self.task_names}')

    def aggregate(self, jacobian: torch.Tensor, tasks=None):
        self.place_aggregator_state(jacobian)
        return super().aggregate(jacobian, tasks)


class SeededAggregationMixin:
    """For a Jacobian balancer whose aggregator draws random numbers from the global generators.

    Each aggregation runs with the global generators (CPU and the Jacobian's device) seeded from
    ``seed`` and a step count (the ``steps`` buffer), and restored afterwards: every process of a
    distributed run draws the same, a resumed run continues the same sequence, and the rest of the
    training's random draws are not disturbed. A subclass lists it first and calls :meth:`init_seed`.
    """

    def init_seed(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f'{type(self).__name__}: seed must be a non-negative int, got {seed!r}')
        self.seed = seed
        self.register_buffer('steps', torch.tensor(0))

    def aggregate(self, jacobian: torch.Tensor, tasks=None):
        with seeded_random(step_seed(self.seed, self.steps), jacobian.device):
            result = super().aggregate(jacobian, tasks)
        self.steps += 1
        return result
