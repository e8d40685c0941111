# Shared bottom with DB-MTL (Lin et al., 2023): log losses, and the moving averages of the task gradients
# (β = 0.9) rescaled to the largest norm on the backbone.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='DBMTLBalancer', beta=0.9, beta_sigma=0.0))
