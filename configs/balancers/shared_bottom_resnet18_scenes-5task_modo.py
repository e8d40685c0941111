# Shared bottom with MoDo (Chen et al., NeurIPS 2023): simplex task weights stepped on J_1 J_2ᵀ from two
# independent halves of every batch, the update their weighted mean gradient.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='MoDoBalancer'))
