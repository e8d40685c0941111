# 'Shared bottom' on 4-MNISTs (Maziarz et al., Table I): every task uses every component.
_base_ = [
    '../_base_/models/modular_conv_mnist.py',
    '../_base_/datasets/mnist_4task.py',
    '../_base_/schedules/mnist_4task.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
