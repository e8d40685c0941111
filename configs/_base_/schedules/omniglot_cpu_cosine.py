# CPU-scale Omniglot schedule for the wider, augmented network: 24000 iterations (1200 updates per head),
# Adam peaking at 2e-3 after a linear warm-up of 1000 iterations, then a cosine decay to zero; otherwise
# omniglot_cpu.py (App. C1's L2 and logit learning rate, the best of eight validations tested). At a
# constant 1e-3 the same network was still gaining 2 points per 3000 iterations at the end
# (docs/methods/gumbel_matrix.md).
_base_ = ['./omniglot_cpu.py']
train_cfg = dict(max_iters=24000, val_interval=3000)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=1000),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=1000, end=24000, eta_min=0.0),
]
default_hooks = dict(checkpoint=dict(interval=3000))
