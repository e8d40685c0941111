# Shared bottom with Aligned-MTL (Senushkin et al., CVPR 2023): the backbone's task gradients made a
# system of condition number 1.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='AlignedMTLBalancer'))
