# Single-task references for Δ_T on scenes-5task at depth 34: the test metrics of
# configs/baselines/single_task_resnet34_scenes-5task.py (quarter-width dilated ResNet-34, ASPP heads,
# 1000 iterations of Adam, one backbone per task; seed 0, one thread).
_single_task_reference_resnet34 = dict(
    seg=dict(mIoU=41.3068, pixel_acc=85.4828),
    depth=dict(abs_err=0.5693, rel_err=0.1921),
    normal={'mean_angle': 16.785, 'median_angle': 8.4821, 'within_11.25': 59.6145,
            'within_22.5': 76.267, 'within_30': 81.8418},
    edge=dict(mae=0.1857),
    keypoint=dict(mae=0.0416),
)
# A config uses them with: val_evaluator = dict(single_task_reference={{_base_._single_task_reference_resnet34}})
