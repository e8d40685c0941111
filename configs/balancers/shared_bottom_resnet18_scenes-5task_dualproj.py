# Shared bottom with DualProj (Quinton \& Rey, 2024): the mean task gradient of the backbone projected
# onto the dual cone of all of them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='DualProjBalancer'))
