# Quick CPU schedule: 1000 iterations of Adam with a cosine decay.
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=1000, val_interval=500)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=1000, eta_min=1e-5),
]
