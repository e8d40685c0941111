# Maziarz et al., App. A3: 3000 batches of 64 per task, one task batch per iteration (4 tasks: 12000
# iterations), learning rate 0.01 (Adam), gradient norm clipped to 1. The paper gives one learning
# rate here, so allocation logits (if any) get the same (not the T x of its Omniglot setup).
_base_ = ['../default_runtime.py']
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=12000, val_interval=3000)
optim_wrapper = dict(
    type='OptimWrapper', constructor='ArchitectureParamGroupConstructor',
    optimizer=dict(type='Adam', lr=0.01), clip_grad=dict(max_norm=1.0), paramwise_cfg=dict(arch_lr_mult=1))
default_hooks = dict(checkpoint=dict(interval=3000, max_keep_ckpts=1), logger=dict(interval=200))
test_after_train = True
