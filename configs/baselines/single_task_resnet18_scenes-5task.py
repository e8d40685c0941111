# Single-task baseline: every task has its own dilated ResNet-18 (trained side by side, sharing nothing).
# Its test metrics are the single-task references of Δ_T.
_base_ = ['./shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='PerTaskBackbone',
                           backbone=dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.25)))
