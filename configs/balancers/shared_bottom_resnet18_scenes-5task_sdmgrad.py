# Shared bottom with SDMGrad (Xiao, Ban & Ji, NeurIPS 2023): direction-oriented MGDA weights from J_1 J_2ᵀ of
# two independent thirds of every batch, the update from the third.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='SDMGradBalancer'))
