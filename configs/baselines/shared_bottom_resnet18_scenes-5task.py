# Shared bottom: one dilated ResNet-18 for all five tasks, an ASPP head per task.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/scenes_5task.py',
    '../_base_/schedules/iter_1k_adam.py',
    '../_base_/default_runtime.py',
]

# Single-task references for Δ_T: the test metrics of single_task_resnet18_scenes-5task.py
# (the same quarter-width dilated ResNet-18, heads and schedule, one backbone per task).
single_task_reference = dict(
    seg=dict(mIoU=39.9446, pixel_acc=84.9794),
    depth=dict(abs_err=0.5673, rel_err=0.1970),
    normal={'mean_angle': 17.1122, 'median_angle': 8.8089, 'within_11.25': 58.6433, 'within_22.5': 76.2159,
            'within_30': 81.7782},
    edge=dict(mae=0.1842),
    keypoint=dict(mae=0.0417),
)
val_evaluator = dict(single_task_reference=single_task_reference)
test_evaluator = val_evaluator
