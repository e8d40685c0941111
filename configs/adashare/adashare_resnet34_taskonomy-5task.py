# AdaShare on Tiny-Taskonomy, five tasks (seg, normal, depth, keypoint, edge): ResNet-34,
# λ = [1, 3, 2, 7, 7], λ_sp = 0.001, λ_sh = 0.005, crops of 224, curriculum speed 1; 20k warm-up,
# 80k search (policy epochs of 400 weight + 100 policy iterations), 30k re-training iterations.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/taskonomy_5task.py',
    '../_base_/schedules/adashare_stages.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=34, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.001, sharing_weight=0.005, regularizer_form='paper'))
tasks = dict(seg=dict(weight=1.0), normal=dict(weight=3.0), depth=dict(weight=2.0), keypoint=dict(weight=7.0),
             edge=dict(weight=7.0))

train_cfg = dict(
    stages=dict(warmup=dict(iters=20000),
                search=dict(iters=80000, val_interval=500,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=400),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=100)]),
                retrain=dict(iters=30000, val_interval=3000)),
    dataloaders={{_base_._search_dataloaders}})
optim_wrapper = dict(warmup=dict(optimizer=dict(lr=1e-4)), weights=dict(optimizer=dict(lr=1e-4)),
                     retrain=dict(optimizer=dict(lr=1e-4)))
# Learning rates fall to 0.3× every 12000 iterations of a stage.
param_scheduler = dict(
    _delete_=True, arch=[],
    warmup=[dict(type='StepLR', step_size=12000, gamma=0.3, stage='warmup')],
    weights=[dict(type='StepLR', step_size=12000, gamma=0.3, stage='search')],
    retrain=[dict(type='StepLR', step_size=12000, gamma=0.3, stage='retrain')])
# Without single-task references for these label encodings, the policy is chosen by segmentation mIoU;
# add single_task_reference from your single-task runs (and metric='delta/mean') to choose by Δ_T.
named_hooks = dict(best_policy=dict(metric='seg/mIoU'))
default_hooks = dict(checkpoint=dict(interval=5000), logger=dict(interval=100))
