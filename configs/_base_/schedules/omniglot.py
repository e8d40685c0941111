# Maziarz et al., App. C1: Adam at 1e-4, L2 3e-4 (not on biases, nor on the allocation logits, whose
# learning rate is T = 20 times the weights'), batch 16; the checkpoint with the best mean validation
# accuracy is tested. 8000 rounds of one batch per task as the public code (160000 iterations).
_base_ = ['../default_runtime.py']
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=160000, val_interval=4000)
optim_wrapper = dict(
    type='OptimWrapper', constructor='ArchitectureParamGroupConstructor',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=3e-4), paramwise_cfg=dict(bias_decay_mult=0.0))
default_hooks = dict(checkpoint=dict(interval=4000, max_keep_ckpts=1, save_best='mean/accuracy', rule='greater'),
                     logger=dict(interval=200))
test_after_train = True
test_checkpoint = 'best'
