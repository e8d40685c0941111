# AdaShare on NYUD-v2, four tasks (seg 40 classes, depth, normals, boundaries; the multi-task release): its NYUv2
# settings (ResNet-34, λ_sp = 0.001, λ_sh = 0.05, curriculum speed 3; 4k / 16k / 20k iterations of batch 16) with
# the release's loss weights 1 / 1 / 10 / 50. The policy is chosen on a 10 % holdout of train by Δ_T over seg,
# normal and depth (the official code's NYUv2 references).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/nyud_mt_4task.py',
    '../_base_/schedules/adashare_4k_16k_20k.py',
    '../_base_/default_runtime.py',
    '../_base_/references/nyuv2_3task_official.py',
]
model = dict(
    backbone=dict(depth=34, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.001, sharing_weight=0.05, regularizer_form='paper'))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator

# One policy epoch = one pass over train1 (weights), then over train2 (policy): 22 + 22 batches of 16.
train_cfg = dict(
    stages=dict(search=dict(val_interval=44,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=22),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=22)])),
    dataloaders={{_base_._search_dataloaders}})
optim_wrapper = dict(warmup=dict(optimizer=dict(lr=1e-3)), weights=dict(optimizer=dict(lr=1e-3)),
                     retrain=dict(optimizer=dict(lr=1e-3)))
default_hooks = dict(checkpoint=dict(interval=2000), logger=dict(interval=100))
