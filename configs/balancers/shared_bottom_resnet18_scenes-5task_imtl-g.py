# Shared bottom with IMTL-G (Liu et al., ICLR 2021): the combination of the backbone's task gradients
# with equal projections onto every task's direction.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='IMTLGBalancer'))
