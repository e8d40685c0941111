# CPU-scale 4-MNISTs schedule: 2500 rounds of one batch per task (10000 iterations, about 2.9 epochs per
# task; the paper trains 10 epochs per task), Adam at 1e-3; allocation logits at 4x (one update per task
# batch, Maziarz et al. Sec. V-B). The model at the end is tested.
_base_ = ['../default_runtime.py']
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=10000, val_interval=2500)
optim_wrapper = dict(
    type='OptimWrapper', constructor='ArchitectureParamGroupConstructor',
    optimizer=dict(type='Adam', lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=2500, max_keep_ckpts=1), logger=dict(interval=200))
test_after_train = True
