# Shared bottom with PCGrad (Yu et al., NeurIPS 2020): conflicting task gradients of the backbone are
# projected onto each other's normal planes.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='PCGradBalancer'))
