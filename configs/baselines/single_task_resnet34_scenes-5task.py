# Single-task baseline at depth 34: every task has its own quarter-width dilated ResNet-34 (16 blocks).
# Its test metrics are the depth-34 single-task references (configs/_base_/references/scenes_5task_resnet34.py).
_base_ = ['./single_task_resnet18_scenes-5task.py', '../_base_/references/scenes_5task_resnet34.py']
model = dict(backbone=dict(backbone=dict(depth=34)))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference_resnet34}})
test_evaluator = val_evaluator
