# Shared bottom with GradDrop (Chen et al., "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign
# Dropout", NeurIPS 2020): at every backbone coordinate one sign of the task gradients kept, drawn by its purity.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(balancer=dict(type='GradDropBalancer'))
