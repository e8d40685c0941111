# Shared bottom on DomainNet, six domains as six tasks of 345 classes: one ResNet-34 (stride 32) for every
# domain, a pooled linear head per domain; AdaShare's DomainNet optimiser (Adam, heads 1e-3, backbone 1e-5) for
# 20k steps of one batch of 32 per domain (six per-task batches accumulate into a step).
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/domainnet_6task.py',
    '../_base_/default_runtime.py',
]
_rounds = 6
model = dict(backbone=dict(depth=34, output_stride=32, width_multiplier=1.0, pretrained=None))
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=20000 * _rounds, val_interval=2000 * _rounds)
optim_wrapper = dict(type='OptimWrapper', accumulative_counts=_rounds,
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-4),
                     paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.01)}))
param_scheduler = [dict(type='StepLR', step_size=2000 * _rounds, gamma=0.3, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval=2000 * _rounds))
test_after_train = True
