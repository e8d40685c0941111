# 4-MNISTs schedule of Maziarz et al., App. B: 10 epochs per task at batch 16, i.e. 37500 rounds of one
# batch per task (150000 iterations; about 27 minutes on one CPU core). Adam at 1e-3 (the paper gives no
# learning rate); allocation logits at T = 4 times that (one update per task batch, Sec. V-B). The model
# at the end is tested. A short run (2.9 epochs per task): --cfg-options train_cfg.max_iters=10000
# train_cfg.val_interval=2500 default_hooks.checkpoint.interval=2500.
_base_ = ['../default_runtime.py']
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=150000, val_interval=37500)
optim_wrapper = dict(
    type='OptimWrapper', constructor='ArchitectureParamGroupConstructor',
    optimizer=dict(type='Adam', lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=37500, max_keep_ckpts=1), logger=dict(interval=500))
test_after_train = True
