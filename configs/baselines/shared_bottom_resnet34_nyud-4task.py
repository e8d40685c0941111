# Shared bottom on NYUD-v2, four tasks (seg 40 classes, depth, normals, boundaries; the multi-task release in
# data/nyud): one dilated ResNet-34, an ASPP head per task; 20k iterations of batch 16, Adam at 1e-4. Δ_T over
# seg, normal and depth against the values the official AdaShare code scores NYUv2 policies against (the same
# images and 40 classes); boundaries (odsF) are reported, not part of Δ_T.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/nyud_mt_4task.py',
    '../_base_/schedules/iter_20k_adam.py',
    '../_base_/references/nyuv2_3task_official.py',
]
model = dict(backbone=dict(depth=34, width_multiplier=1.0, pretrained=None))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
