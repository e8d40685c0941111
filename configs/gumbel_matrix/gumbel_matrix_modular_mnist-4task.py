# Gumbel-Matrix on 4-MNISTs (Maziarz et al., Table I, 'Ours'): no auxiliary penalty, p_init 0.5.
_base_ = [
    '../_base_/models/modular_conv_mnist.py',
    '../_base_/datasets/mnist_4task.py',
    '../_base_/schedules/mnist_4task.py',
    '../_base_/schedules/gumbel_matrix_hooks.py',
]
model = dict(policy=dict(type='GumbelMatrixPolicy', temperature=50.0, p_init=0.5))
