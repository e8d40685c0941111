# AdaShare on NYUv2, two tasks (seg, normal): ResNet-18, λ = [1, 20], λ_sp = 0.05, λ_sh = 0.05
# (the public configs' values); otherwise as adashare_resnet34_nyuv2-3task.py.
_base_ = ['./adashare_resnet34_nyuv2-3task.py']

model = dict(backbone=dict(depth=18), policy=dict(sparsity_weight=0.05, sharing_weight=0.05))
tasks = dict(_delete_=True, seg={{_base_.tasks.seg}}, normal={{_base_.tasks.normal}})

# Single-task references for Δ_T: the values the official code scores NYUv2-2 policies against.
_single_task_reference = dict(
    _delete_=True,
    seg=dict(mIoU=41.3, pixel_acc=69.1),
    normal={'mean_angle': 15.0, 'median_angle': 11.5, 'within_11.25': 49.2, 'within_22.5': 76.7, 'within_30': 86.8})
val_evaluator = dict(single_task_reference=_single_task_reference)
test_evaluator = val_evaluator
