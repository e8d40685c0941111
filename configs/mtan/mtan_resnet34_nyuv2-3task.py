# MTAN (Liu et al., CVPR 2019): a shared dilated ResNet-34 trunk with per-task attention modules on NYUv2
# (seg, normal, depth; AdaShare's release layout in data/nyuv2), 20k iterations of batch 16. The training
# split contains the validation holdout, which only monitors training here (nothing is selected on it).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/nyuv2_adashare.py',
    '../_base_/schedules/iter_20k_adam.py',
    '../_base_/references/nyuv2_3task_official.py',
]
# pretrained: path of a local ImageNet ResNet-34 state dict (timm/torchvision keys), nothing is downloaded
model = dict(backbone=dict(_delete_=True, type='MTANResNet', depth=34, output_stride=8, width_multiplier=1.0,
                           pretrained=None))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
