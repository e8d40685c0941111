# Single-task references for Δ_T on scenes-5task: the test metrics of
# configs/baselines/single_task_resnet18_scenes-5task.py (quarter-width dilated ResNet-18, ASPP heads,
# 1000 iterations of Adam, one backbone per task).
_single_task_reference = dict(
    seg=dict(mIoU=39.9446, pixel_acc=84.9794),
    depth=dict(abs_err=0.5673, rel_err=0.1970),
    normal={'mean_angle': 17.1122, 'median_angle': 8.8089, 'within_11.25': 58.6433, 'within_22.5': 76.2159,
            'within_30': 81.7782},
    edge=dict(mae=0.1842),
    keypoint=dict(mae=0.0417),
)
# A config uses them with: val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
