# Shared bottom with Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022): the backbone
# gradients combined by the Nash bargaining solution, the update's norm at most max_norm.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='NashMTLBalancer', update_weights_every=1, optim_niter=20, max_norm=1.0))
