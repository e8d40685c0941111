# Shared bottom with FairGrad (Ban & Ji, "Fair Resource Allocation in Multi-Task Learning", ICML 2024): backbone
# gradients weighted by the α-fair allocation G w = w^(−1/α).
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='FairGradBalancer', alpha=1.0))
