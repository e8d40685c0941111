# Single-task baseline: every task has its own dilated ResNet-18 (trained side by side, sharing nothing).
# Its test metrics are the single-task references of Δ_T.
_base_ = ['./shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone_per_task=True)
