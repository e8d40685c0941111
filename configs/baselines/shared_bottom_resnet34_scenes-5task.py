# Shared bottom at depth 34: one quarter-width dilated ResNet-34 (16 blocks) for all five tasks, an ASPP head
# per task; Δ_T against the single-task ResNet-34 networks (configs/baselines/single_task_resnet34_scenes-5task.py).
_base_ = ['./shared_bottom_resnet18_scenes-5task.py', '../_base_/references/scenes_5task_resnet34.py']
model = dict(backbone=dict(depth=34))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference_resnet34}})
test_evaluator = val_evaluator
