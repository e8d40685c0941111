# Shared bottom with CR-MOGM (Zhou et al., "On the Convergence of Stochastic Multi-Objective Gradient Manipulation
# and Beyond", NeurIPS 2022): MGDA's task weights averaged over the steps.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='CRMOGMBalancer', weighting='mgda', alpha=0.9))
