# AdaShare on NYUv2, three tasks (seg, normal, depth): ResNet-34, λ = [1, 20, 3], λ_sp = 0.001,
# λ_sh = 0.05, crops of 321, curriculum speed 3; 4k warm-up, 16k search, 20k re-training iterations
# of batch 16 (the paper's settings, Sun et al. NeurIPS 2020, Sec. 4 and the public configs).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/nyuv2_adashare.py',
    '../_base_/schedules/adashare_4k_16k_20k.py',
    '../_base_/default_runtime.py',
    '../_base_/references/nyuv2_3task_official.py',
]

# pretrained: path of a local ImageNet ResNet-34 state dict (timm/torchvision keys), nothing is downloaded
model = dict(
    backbone=dict(depth=34, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.001, sharing_weight=0.05, regularizer_form='paper'))
tasks = dict(seg=dict(weight=1.0), normal=dict(weight=20.0), depth=dict(weight=3.0))

# Single-task references for Δ_T: the values the official code scores NYUv2-3 policies against.
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator

# One policy epoch = about one pass over train1 (weights), then over train2 (policy): 24 + 24 batches of 16.
train_cfg = dict(
    stages=dict(search=dict(val_interval=48,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=24),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=24)])),
    dataloaders={{_base_._search_dataloaders}})
optim_wrapper = dict(warmup=dict(optimizer=dict(lr=1e-3)), weights=dict(optimizer=dict(lr=1e-3)),
                     retrain=dict(optimizer=dict(lr=1e-3)))
default_hooks = dict(checkpoint=dict(interval=2000), logger=dict(interval=100))
