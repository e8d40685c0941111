# PLE (Tang et al., RecSys 2020) on MNIST and Fashion-MNIST (per-task batches): two extraction levels of
# one shared and one expert per task, narrow VGG-16 (BN) experts on the image, then a 3x3 convolution
# (64 channels) on their features. The data and schedule of
# configs/baselines/shared_bottom_vgg16bn_mnist-fashion.py.
_base_ = ['../baselines/shared_bottom_vgg16bn_mnist-fashion.py']
model = dict(backbone=dict(_delete_=True, type='PLEBackbone', num_shared_experts=1, num_task_experts=1,
                           gate_input='experts', in_channels=1, levels=[
                               dict(expert=dict(type='VGG16BN', width_multiplier=0.125)),
                               dict(expert=dict(type='ModularNetwork', layers=[
                                   dict(channels=64, components=[dict(type='conv', kernel_size=3)])]))]))
