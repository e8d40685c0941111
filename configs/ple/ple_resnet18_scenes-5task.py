# PLE (Tang et al., RecSys 2020): two extraction levels, each with one shared and one expert per task; the
# first level's experts are dilated ResNet-18s on the image, the second's a 3x3 convolution (64 channels)
# on the first level's features, with a shared gate between them. The data, heads, losses, metrics and
# schedule of the scenes baselines, so one table compares them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='PLEBackbone', num_shared_experts=1, num_task_experts=1,
                           gate_input='experts', levels=[
                               dict(expert=dict(type='DilatedResNet', depth=18, output_stride=8,
                                                width_multiplier=0.25)),
                               dict(expert=dict(type='ModularNetwork', layers=[
                                   dict(channels=64, components=[dict(type='conv', kernel_size=3)])]))]))
