# CGC (Tang et al., RecSys 2020) on MNIST and Fashion-MNIST (per-task batches): one shared and one
# task-specific narrow VGG-16 (BN) expert per task; a batch of one task runs the shared expert and that
# task's own. The data and schedule of configs/baselines/shared_bottom_vgg16bn_mnist-fashion.py.
_base_ = ['../baselines/shared_bottom_vgg16bn_mnist-fashion.py']
model = dict(backbone=dict(_delete_=True, type='CGCBackbone', num_shared_experts=1, num_task_experts=1,
                           gate_input='experts', in_channels=1, expert=dict(type='VGG16BN', width_multiplier=0.125)))
