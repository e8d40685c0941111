# Shared bottom with GLS (Chennupati et al., CVPR Workshops 2019): the geometric mean of the task losses,
# (Π_k L_k)^(1/K), computed in the log domain.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='GLSBalancer'))
