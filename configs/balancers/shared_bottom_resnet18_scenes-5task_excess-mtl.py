# Shared bottom with ExcessMTL (He et al., "Robust Multi-Task Learning with Excess Risks", ICML 2024): task weights
# raised by an exponentiated-gradient step on each task's estimated excess risk.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='ExcessMTLBalancer'))
