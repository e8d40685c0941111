# Shared bottom with GradNorm (Chen et al., ICML 2018, Eq. 1-2): loss weights that equalise the task gradient
# norms on the backbone's last layer, α = 1.5; the weights train with the model's optimiser.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='GradNormBalancer', alpha=1.5, gradient_params='last_shared_layer'))
