# Shared bottom with Dynamic Weight Average (Liu et al., CVPR 2019): T = 2, an "epoch" of 100
# iterations (10 windows in the quick schedule).
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='DWABalancer', temperature=2.0, window=100))
