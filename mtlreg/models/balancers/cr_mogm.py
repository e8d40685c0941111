"""CR-MOGM: correlation-reduced multi-objective gradient manipulation.

Zhou, Zhang, Ma, Chen & Tsang, "On the Convergence of Stochastic Multi-Objective Gradient Manipulation
and Beyond", NeurIPS 2022: the moving average of a manipulation's task weights
``λ_k = α λ_{k−1} + (1 − α) λ̂_k`` (Sec. 4, Alg. 2), computed by torchjd's CRMOGMWeighting.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from mtlreg.registry import BALANCERS
from .aggregator_mixins import AggregatorStateMixin
from .cagrad import CAGRAD_PACKAGES
from .fairgrad import FAIRGRAD_PACKAGES
from .jacobian_balancer import JacobianBalancer, torchjd_aggregation

#: the weightings CR-MOGM can smooth: name -> (torchjd Gramian weighting, its default arguments, packages)
WEIGHTINGS = {
    'mgda': ('MGDAWeighting', {}, ()),
    'cagrad': ('CAGradWeighting', {'c': 0.5}, CAGRAD_PACKAGES),
    'upgrad': ('UPGradWeighting', {}, ()),
    'dualproj': ('DualProjWeighting', {}, ()),
    'imtl-g': ('IMTLGWeighting', {}, ()),
    'aligned-mtl': ('AlignedMTLWeighting', {}, ()),
    'fairgrad': ('FairGradWeighting', {'alpha': 1.0}, FAIRGRAD_PACKAGES),
}


@BALANCERS.register_module()
class CRMOGMBalancer(AggregatorStateMixin, JacobianBalancer):
    """``d = w_tᵀ J`` with ``w_t = α w_{t−1} + (1 − α) ŵ_t``, ``ŵ_t`` the weights of another method.

    Stochastic gradient manipulation (MGDA, CAGrad, ...) computes its weights ``ŵ`` from the
    same mini-batch gradients it combines, which biases the update; averaging the weights over the
    steps (the paper's λ) reduces that correlation and gives the method a convergence guarantee
    (Zhou et al., Sec. 4, Alg. 2). ``w_0 = ŵ_1`` (torchjd), so the first step is the wrapped
    method's. The paper's analysis lets ``α`` grow towards 1 as the learning rate decays; here it
    is constant. Logged: ``w_k λ_k`` (the smoothed weights times the static weights).

    ``w_{t−1}`` is the aggregator's state, saved in the balancer's checkpoint.

    Args:
        task_names: the tasks.
        task_weights: static weights λ_k (scale each task's gradient). Defaults to 1.
        weighting: the method whose weights are smoothed: one of ``'mgda'``, ``'cagrad'``,
            ``'upgrad'``, ``'dualproj'``, ``'imtl-g'``, ``'aligned-mtl'``, ``'fairgrad'``.
            Defaults to 'mgda'.
        alpha: the weight α of the previous weights, in [0, 1] (0: no smoothing). Defaults to 0.9.
        weighting_args: keyword arguments of the wrapped torchjd weighting (``c`` for 'cagrad' (0.5
            unless given), ``alpha`` for 'fairgrad' (1.0), ``epsilon`` for 'mgda', ``pref_vector`` for
            'upgrad', ...). Defaults to None.
    """

    def __init__(self, task_names: Sequence[str], task_weights: dict[str, float] | None = None,
                 weighting: str = 'mgda', alpha: float = 0.9, weighting_args: dict | None = None):
        super().__init__(task_names, task_weights)
        name = type(self).__name__
        if weighting not in WEIGHTINGS:
            raise ValueError(f'{name}: weighting must be one of {sorted(WEIGHTINGS)}, got {weighting!r}')
        if not 0 <= alpha <= 1:
            raise ValueError(f'{name}: alpha must be in [0, 1], got {alpha!r}')
        cls_name, defaults, packages = WEIGHTINGS[weighting]
        self.require(*packages)
        args = dict(defaults, **(weighting_args or {}))
        if 'pref_vector' in args:
            args['pref_vector'] = self.preference(args['pref_vector'])
        aggregation = torchjd_aggregation()
        try:
            inner = getattr(aggregation, cls_name)(**args)
        except TypeError as err:
            raise ValueError(f'{name}: weighting_args {weighting_args!r} are not arguments of the '
                             f'{weighting!r} weighting ({err})') from err
        self.weighting = weighting
        self.aggregator = aggregation.GramianWeightedAggregator(aggregation.CRMOGMWeighting(inner, alpha=float(alpha)))

    def aggregator_state(self) -> dict[str, Any]:
        return {'previous_weights': self.aggregator.gramian_weighting._lambda}

    def load_aggregator_state(self, state: dict[str, Any]) -> None:
        previous = state['previous_weights']
        self.check_state_shape('previous_weights', previous, (len(self.task_names),))
        smoothing = self.aggregator.gramian_weighting
        smoothing.reset()
        if previous is not None:
            smoothing._lambda = previous.detach().clone()

    def place_aggregator_state(self, jacobian: torch.Tensor) -> None:
        smoothing = self.aggregator.gramian_weighting
        previous = smoothing._lambda
        if previous is not None and (previous.device != jacobian.device or previous.dtype != jacobian.dtype):
            smoothing._lambda = previous.to(jacobian.device, jacobian.dtype)
