# Shared bottom with MGDA (Sener \& Koltun, NeurIPS 2018): the minimum-norm convex combination of the
# task gradients of the backbone.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='MGDABalancer'))
