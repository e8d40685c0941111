# Shared bottom on real data with per-task batches: one narrow VGG-16 (BN) for MNIST and Fashion-MNIST.
_base_ = [
    '../_base_/models/vgg16bn_gray_shared_bottom.py',
    '../_base_/datasets/mnist_fashion_2task.py',
    '../_base_/schedules/iter_1k_adam.py',
    '../_base_/default_runtime.py',
]
