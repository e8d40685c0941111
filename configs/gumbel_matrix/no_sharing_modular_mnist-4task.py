# 'No sharing' on 4-MNISTs (Maziarz et al., Table I): task i uses component i of every layer.
_base_ = [
    '../_base_/models/modular_conv_mnist.py',
    '../_base_/datasets/mnist_4task.py',
    '../_base_/schedules/mnist_4task.py',
]
_one = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
model = dict(policy=dict(type='FixedMaskPolicy', mask=dict(
    mnist_1=[_one[0]] * 3, mnist_2=[_one[1]] * 3, mnist_rot_1=[_one[2]] * 3, mnist_rot_2=[_one[3]] * 3)))
del _one
