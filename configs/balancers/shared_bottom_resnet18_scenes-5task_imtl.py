# Shared bottom with IMTL (Liu et al., ICLR 2021, Sec. 3.3): IMTL-L's scaled losses for the heads and the scales,
# IMTL-G's equal-projection combination of their gradients for the backbone.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='IMTLBalancer'))
