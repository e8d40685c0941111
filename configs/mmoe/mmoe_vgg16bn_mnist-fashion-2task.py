# MMoE (Ma et al., KDD 2018) on MNIST and Fashion-MNIST (per-task batches): three narrow VGG-16 (BN) experts
# for grey images, one softmax gate per task on the pooled expert outputs; the data and schedule of the
# shared-bottom baseline (configs/baselines/shared_bottom_vgg16bn_mnist-fashion.py).
_base_ = ['../baselines/shared_bottom_vgg16bn_mnist-fashion.py']
model = dict(backbone=dict(_delete_=True, type='MMoEBackbone', num_experts=3, gate_input='experts', in_channels=1,
                           expert=dict(type='VGG16BN', width_multiplier=0.125)))
