# AdaShare on PASCAL-Context, five tasks (seg 21 classes, human parts, normals, saliency, boundaries), the setting
# of Choi & Im's Table 4 comparison. AdaShare itself reports no PASCAL-Context run, so the search takes its NYUv2
# settings: ResNet-34, λ_sp = 0.001, λ_sh = 0.05, curriculum speed 3; 4k warm-up, 16k search, 20k re-training
# iterations of batch 16. Loss weights 1 / 2 / 10 / 5 / 50 (the dataset base). The policy is chosen on a 10 %
# holdout of train against Choi & Im's single-task references.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/pascal_context_5task.py',
    '../_base_/schedules/adashare_4k_16k_20k.py',
    '../_base_/default_runtime.py',
    '../_base_/references/pascal_context_5task_dag.py',
]
# pretrained: path of a local ImageNet ResNet-34 state dict (timm/torchvision keys), nothing is downloaded
model = dict(
    backbone=dict(depth=34, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.001, sharing_weight=0.05, regularizer_form='paper'))
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator

# One policy epoch = about one pass over train1 (weights), then over train2 (policy): 140 + 140 batches of 16.
train_cfg = dict(
    stages=dict(search=dict(val_interval=280,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=140),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=140)])),
    dataloaders={{_base_._search_dataloaders}})
optim_wrapper = dict(warmup=dict(optimizer=dict(lr=1e-3)), weights=dict(optimizer=dict(lr=1e-3)),
                     retrain=dict(optimizer=dict(lr=1e-3)))
default_hooks = dict(checkpoint=dict(interval=2000), logger=dict(interval=100))
