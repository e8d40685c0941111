# One task on real data: a narrow VGG-16 (BN) classifying MNIST digits.
_base_ = [
    '../_base_/models/vgg16bn_gray_shared_bottom.py',
    '../_base_/datasets/mnist.py',
    '../_base_/schedules/iter_1k_adam.py',
    '../_base_/default_runtime.py',
]
train_cfg = dict(max_iters=500, val_interval=250)
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=500, eta_min=1e-5)]
