# Shared bottom with UPGrad (Quinton \& Rey, 2024): every task gradient of the backbone projected onto
# the dual cone of all of them, averaged.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='UPGradBalancer'))
