# AdaShare on DomainNet, six domains as six tasks of 345 classes (AdaShare's public DomainNet configuration):
# ResNet-34 (16 blocks, stride 32), a pooled linear head per domain, λ_sp = 0.01, λ_sh = 0.1, curriculum speed 1,
# τ = 5 decaying by 0.965 a policy epoch. The public code draws 32 images of every domain per iteration; here
# each domain has its own batches of 32, so one round of six per-task batches accumulates into one optimiser
# step (accumulative_counts=6) and every iteration count is six times the public one: 4k warm-up, 16k search
# (400 weight and 100 policy iterations a policy epoch), 20k re-training iterations of six domains.
# Adam (betas 0.5, 0.999, weight decay 1e-4) at 1e-3 for the heads and 1e-5 for the backbone, the policy at
# 0.01 (weight decay 5e-4); the rates decay by 0.3 every 2000 steps. The policy is chosen by the mean accuracy
# over the domains on a 10 % holdout of each train list (the public code: the sum, on the test lists).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/domainnet_6task.py',
    '../_base_/schedules/adashare_stages.py',
    '../_base_/default_runtime.py',
]
_rounds = 6  # per-task batches per optimiser step: one of every domain
# pretrained: path of a local ImageNet ResNet-34 state dict (timm/torchvision keys), nothing is downloaded
model = dict(
    backbone=dict(depth=34, output_stride=32, width_multiplier=1.0, pretrained=None),
    policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                sparsity_weight=0.01, sharing_weight=0.1, regularizer_form='paper'))

train_cfg = dict(
    stages=dict(warmup=dict(iters=4000 * _rounds),
                search=dict(iters=16000 * _rounds, val_interval=500 * _rounds,
                            phases=[dict(dataloader='train1', optim_wrapper='weights', iters=400 * _rounds),
                                    dict(dataloader='train2', optim_wrapper='arch', iters=100 * _rounds)]),
                retrain=dict(iters=20000 * _rounds, val_interval=2000 * _rounds)),
    dataloaders={{_base_._search_dataloaders}})
_adam = dict(_delete_=True, type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-4)
optim_wrapper = dict(
    warmup=dict(optimizer=_adam, lr_mult=dict(backbone=0.01), accumulative_counts=_rounds),
    weights=dict(optimizer=_adam, lr_mult=dict(backbone=0.01), accumulative_counts=_rounds),
    arch=dict(optimizer=dict(_delete_=True, type='Adam', lr=0.01, weight_decay=5e-4), accumulative_counts=_rounds),
    retrain=dict(optimizer=_adam, lr_mult=dict(backbone=0.01), accumulative_counts=_rounds))
_decay = dict(type='StepLR', step_size=2000 * _rounds, gamma=0.3)
param_scheduler = dict(warmup=[dict(_decay, stage='warmup')], weights=[dict(_decay, stage='search')],
                       retrain=[dict(_decay, stage='retrain')])
named_hooks = dict(best_policy=dict(metric='mean/accuracy'))
default_hooks = dict(checkpoint=dict(interval=2000 * _rounds), logger=dict(interval=100 * _rounds))
