# Shared bottom with ConFIG (Liu, Chu \& Thuerey, ICLR 2025): a direction of equal cosine with every
# task gradient of the backbone.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='ConFIGBalancer'))
