# MTAN (Liu et al., CVPR 2019): a shared dilated ResNet-18 trunk with per-task attention modules;
# the data, heads, losses, metrics and schedule of the scenes baselines, so one table compares them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='MTANResNet', depth=18, output_stride=8, width_multiplier=0.25))
