# AdaShare on Cityscapes, two tasks (seg with 19 classes, depth): ResNet-34, λ = [1, 20], λ_sp = 0.01,
# λ_sh = 0.1, crops of 224, curriculum speed 3; 4k warm-up, 16k search, 20k re-training iterations.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/cityscapes_adashare.py',
    '../_base_/schedules/adashare_4k_16k_20k.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=34, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.01, sharing_weight=0.1, regularizer_form='paper'))
tasks = dict(seg=dict(weight=1.0), depth=dict(weight=20.0))

# Single-task references for Δ_T: the values the official code scores 19-class policies against.
_single_task_reference = dict(seg=dict(mIoU=40.2, pixel_acc=74.7), depth=dict(abs_err=0.017, rel_err=0.33))
val_evaluator = dict(single_task_reference=_single_task_reference)
test_evaluator = val_evaluator

# One policy epoch = one pass over train1 then train2 (about 93 batches of 16 each).
train_cfg = dict(
    stages=dict(search=dict(val_interval=186,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=93),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=93)])),
    dataloaders={{_base_._search_dataloaders}})
optim_wrapper = dict(warmup=dict(optimizer=dict(lr=1e-4)), weights=dict(optimizer=dict(lr=1e-3)),
                     retrain=dict(optimizer=dict(lr=1e-4)))
default_hooks = dict(checkpoint=dict(interval=2000), logger=dict(interval=100))
