# A full-data schedule for baselines on NYUv2-scale data: 20000 iterations of Adam at 1e-4 (MTAN's
# optimiser and learning rate), validation and checkpoints every 2000 iterations.
_base_ = ['../default_runtime.py']
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=20000, val_interval=2000)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[10000], gamma=0.5)]
default_hooks = dict(checkpoint=dict(interval=2000))
test_after_train = True
