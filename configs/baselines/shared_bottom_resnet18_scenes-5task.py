# Shared bottom: one dilated ResNet-18 for all five tasks, an ASPP head per task.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/scenes_5task.py',
    '../_base_/schedules/iter_1k_adam.py',
    '../_base_/default_runtime.py',
    '../_base_/references/scenes_5task_resnet18.py',
]

# Δ_T against the single-task references (configs/_base_/references/scenes_5task_resnet18.py).
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator
