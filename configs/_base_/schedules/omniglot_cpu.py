# CPU-scale Omniglot schedule: 3000 iterations (150 rounds of one batch per task, about 7 epochs of
# every alphabet), Adam at 1e-3 (the paper's 1e-4 is for 160000 iterations), otherwise App. C1.
# Measured: too short for the CPU-scale network to get far from chance (docs/methods/gumbel_matrix.md);
# raise max_iters for a comparison.
_base_ = ['./omniglot.py']
train_cfg = dict(max_iters=3000, val_interval=500)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=500))
