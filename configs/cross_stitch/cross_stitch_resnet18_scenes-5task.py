# Cross-stitch networks (Misra et al., CVPR 2016): one dilated ResNet-18 per task, mixed after every stage;
# the data, heads, losses, metrics and schedule of the scenes baselines, so one table compares them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='CrossStitchResNet', depth=18, output_stride=8, width_multiplier=0.25,
                           init_self=0.9))
