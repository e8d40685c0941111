# DSelect-k (Hazimeh et al., NeurIPS 2021) on MNIST and Fashion-MNIST (per-task batches): four narrow
# VGG-16 (BN) experts, each task's DSelect-k gate selecting k = 2 of them. The data and schedule of
# configs/baselines/shared_bottom_vgg16bn_mnist-fashion.py.
_base_ = ['../baselines/shared_bottom_vgg16bn_mnist-fashion.py']
model = dict(backbone=dict(_delete_=True, type='DSelectKBackbone', num_experts=4, k=2, gamma=1.0, entropy_weight=0.0,
                           gate_input='experts', in_channels=1, expert=dict(type='VGG16BN', width_multiplier=0.125)))
