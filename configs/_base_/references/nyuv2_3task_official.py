# Single-task references for Δ_T on NYUv2 (seg 40 classes, normal, depth): the values the official
# AdaShare code scores NYUv2-3 policies against.
_single_task_reference = dict(
    seg=dict(mIoU=27.5, pixel_acc=58.9),
    normal={'mean_angle': 17.5, 'median_angle': 14.2, 'within_11.25': 34.9, 'within_22.5': 73.3, 'within_30': 85.7},
    depth=dict(abs_err=0.62, rel_err=0.25))
