# CPU-scale Omniglot schedule: 16000 iterations (800 rounds of one batch per task: every head gets 800
# updates; the paper's schedule gives 8000), Adam at 1e-3 (the paper's 1e-4 is for 160000 iterations),
# otherwise App. C1; the best of eight validations is tested.
_base_ = ['./omniglot.py']
train_cfg = dict(max_iters=16000, val_interval=2000)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=2000))
