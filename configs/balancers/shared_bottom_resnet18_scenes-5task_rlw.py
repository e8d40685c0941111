# Shared bottom with RLW (Lin et al., TMLR 2022): random loss weights, softmax of a standard normal
# draw per step.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='RLWBalancer'))
