# Shared bottom with MoCo (Fernando et al., ICLR 2023): tracked task gradients on the backbone and simplex weights
# from a projected step of the min-norm problem.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='MoCoBalancer'))
