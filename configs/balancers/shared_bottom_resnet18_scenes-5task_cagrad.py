# Shared bottom with CAGrad (Liu et al., "Conflict-Averse Gradient Descent for Multi-task Learning", NeurIPS 2021):
# the mean backbone gradient bent towards the worst-served task, within a ball of radius c·‖g₀‖.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='CAGradBalancer', c=0.5))
