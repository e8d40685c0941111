# Shared bottom with GradVac (Wang et al., "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
# Massively Multilingual Models", ICLR 2021): backbone gradients pulled towards an EMA of their cosines.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='GradVacBalancer', beta=0.5))
